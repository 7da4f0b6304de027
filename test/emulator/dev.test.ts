// `npm run dev`: every save restarts the API on the same port with the same data, also saves
// that replace the file (vim, JetBrains "safe write", sed -i) and saves under emulator/ itself. The
// test re-saves files with identical content, so nothing else that runs meanwhile sees a
// different source tree.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client/index.ts';
import { ROOT } from '../../emulator/synth.ts';
import { TEST_CDK_OUT, testSynthEnv } from '../helpers/global-setup.ts';
import { freePort, PASSWORD, uniqueEmail } from '../helpers/emulator.ts';

let dev: ChildProcess | undefined;
let output = '';

function waitFor(text: string, from: number, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (output.indexOf(text, from) !== -1) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`"${text}" did not appear:\n${output}`));
      }
    }, 50);
  });
}

/** Saves a file as vim and JetBrains do: write a new file beside it, then rename it over the old one. */
function saveByReplacing(path: string): void {
  const tmp = `${path}___jb_tmp___`;
  writeFileSync(tmp, readFileSync(path));
  renameSync(tmp, path);
}

afterAll(() => {
  if (dev?.pid) process.kill(-dev.pid, 'SIGTERM');
});

describe('npm run dev', () => {
  it('prints npm start’s banner and warnings, and restarts on every save, on the same port and with the same data', async () => {
    const port = await freePort();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tollgate-dev-')), 'data');
    const env = { ...testSynthEnv(), PORT: String(port), TOLLGATE_DATA_DIR: dataDir, TOLLGATE_CDK_OUT: TEST_CDK_OUT, TOLLGATE_DAILY_PROMPTS_LIMIT: '5' };
    dev = spawn('npm', ['run', 'dev'], { cwd: ROOT, env, detached: true });
    dev.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    dev.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor('✔ started', 0, 120_000);
    const url = `http://localhost:${port}/graphql`;
    expect(output).toContain(`  GraphQL   ${url}`);
    expect(output).toContain(`  Data      ${dataDir}`);
    expect(output).toContain('  Try it:');
    expect(output).toContain('TOLLGATE_DAILY_PROMPTS_LIMIT is not a Tollgate setting and is ignored. Did you mean TOLLGATE_DAILY_PROMPT_LIMIT?');

    const apiKey = readFileSync(join(dataDir, 'api-key'), 'utf8').trim();
    const email = uniqueEmail('dev');
    await createClient({ url, apiKey }).register(email, PASSWORD);

    // Twice by replacement: a watch on the file's first inode would miss the second save.
    for (const round of [1, 2]) {
      const mark = output.length;
      saveByReplacing(join(ROOT, 'resolvers', 'Query.models.ts'));
      await waitFor('✔ changed resolvers/Query.models.ts', mark);
      expect(output.slice(mark), `round ${round}`).toContain(`serving ${url}`);
    }

    // What the emulator serves itself (the dev model) restarts it too.
    const mark = output.length;
    saveByReplacing(join(ROOT, 'emulator', 'local', 'dev-model.ts'));
    await waitFor('✔ changed emulator/local/dev-model.ts', mark);

    // Same port, same data: the account registered before the restarts logs in after them.
    const client = createClient({ url, apiKey });
    await expect(client.login(email, PASSWORD)).resolves.toMatchObject({ email });
    expect((await client.models()).length).toBeGreaterThan(0);
  }, 240_000);
});
