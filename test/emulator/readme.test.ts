// The README cannot drift: `npm start` is started as the README says, and every `sh` block that
// can run offline is run against it (the port and data folder are swapped for test ones). A
// block that cannot run here says why in a `<!-- readme-test: skip (…) -->` line above it.
// `npx tollgate` runs as the script it resolves to (bin/tollgate.mjs), sparing npm's start-up of
// seconds per line; cli.test.ts runs `npx tollgate` itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../emulator/synth.ts';
import { freePort } from '../helpers/emulator.ts';
import { TEST_CDK_OUT, testSynthEnv } from '../helpers/global-setup.ts';

interface Block {
  line: number;
  code: string;
  skip: string | null;
}

function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i] !== '```sh') continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== '```'; i += 1) body.push(lines[i]!);
    let prev = start - 1;
    while (prev >= 0 && lines[prev]!.trim() === '') prev -= 1;
    const skip = /^<!-- readme-test: skip \((.+)\) -->$/.exec(lines[prev] ?? '');
    blocks.push({ line: start + 1, code: body.join('\n'), skip: skip ? skip[1]! : null });
  }
  return blocks;
}

const blocks = shellBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'tollgate-readme-'));
const dataDir = join(work, 'data');
let port = 0;
let server: ChildProcess | undefined;


const env = () => ({
  ...testSynthEnv(),
  PORT: String(port),
  TOLLGATE_DATA_DIR: dataDir,
  TOLLGATE_CDK_OUT: TEST_CDK_OUT,
  XDG_CONFIG_HOME: join(work, 'config'),
  TOLLGATE_PASSWORD: 'plum kettle 42',
});

function sh(code: string): Promise<{ code: number; out: string }> {
  const script = code
    .replaceAll('localhost:4000', `localhost:${port}`)
    .replaceAll('.tollgate/data', dataDir)
    .replaceAll('npx tollgate ', `node ${join(ROOT, 'bin', 'tollgate.mjs')} `);
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env: env() });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (status) => resolve({ code: status ?? -1, out }));
  });
}

beforeAll(async () => {
  port = await freePort();
  server = spawn('npm', ['start'], { cwd: ROOT, env: env(), detached: true });
  let banner = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no banner:\n${banner}`)), 120_000);
    const watch = (d: Buffer) => {
      banner += d.toString();
      if (banner.includes('Try it:')) {
        clearTimeout(timer);
        resolve();
      }
    };
    server!.stdout!.on('data', watch);
    server!.stderr!.on('data', watch);
    server!.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${banner}`)));
  });
  expect(banner).toContain(`GraphQL   http://localhost:${port}/graphql`);
  expect(banner).toContain(`Data      ${dataDir}`);
}, 180_000);

afterAll(() => {
  if (server?.pid) process.kill(-server.pid, 'SIGTERM');
});

describe('the README', () => {
  it('has shell blocks, and every block it does not run says why', () => {
    expect(blocks.length).toBeGreaterThan(4);
    for (const b of blocks.filter((x) => x.skip !== null)) expect(b.skip!.length).toBeGreaterThan(10);
  });

  for (const block of blocks.filter((b) => b.skip === null)) {
    it(`runs the block at README.md:${block.line} (${block.code.split('\n')[0]})`, async () => {
      const result = await sh(block.code);
      expect(result.out).not.toMatch(/"errors"/);
      expect(result.code, result.out).toBe(0);
      if (block.code.includes('sendPrompt')) expect(result.out).toContain('"balance":49');
      if (block.code.includes('tollgate ask')) expect(result.out).toContain('left today');
    }, 240_000);
  }
});
