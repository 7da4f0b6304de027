// The CLI as people run it: the real binary, its config file, its messages and exit codes.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../emulator/synth.ts';
import { PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';

const exec = promisify(execFile);
let api: TestEmulator;
let home: string;

async function tollgate(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await exec(join(ROOT, 'bin', 'tollgate.mjs'), args, {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', XDG_CONFIG_HOME: home, TOLLGATE_DATA_DIR: api.dataDir, TOLLGATE_PASSWORD: PASSWORD, ...env },
    });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs the CLI with the password on standard input, as a script would pipe it. */
function tollgateWithStdin(args: string[], input: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT, 'bin', 'tollgate.mjs'), args, {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', XDG_CONFIG_HOME: home, TOLLGATE_DATA_DIR: api.dataDir },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.stdin.end(input);
    child.on('close', (code) => resolve(code ?? -1));
  });
}

beforeAll(async () => {
  api = await startTestEmulator();
  home = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
});

afterAll(async () => {
  await api?.stop();
});

describe('the tollgate CLI', () => {
  it('finds the running local API, registers, logs in and keeps the token readable only by the user', async () => {
    const email = uniqueEmail('cli');
    const reg = await tollgate(['register', email]);
    expect(reg).toMatchObject({ code: 0 });
    expect(reg.stdout).toContain(`Next: tollgate login ${email}`);
    const login = await tollgate(['login', email]);
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Logged in as ${email}`);
    const file = join(home, 'tollgate', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'tollgate')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toContain(api.graphqlUrl);

    const ask = await tollgate(['ask', 'What is a token bucket?']);
    expect(ask.code).toBe(0);
    expect(ask.stdout).toContain('[tollgate dev model]');
    expect(ask.stdout).toContain('49 of 50 left today');

    const usage = await tollgate(['usage']);
    expect(usage.stdout).toMatch(/^1 of 50 prompts used today \(\d{4}-\d{2}-\d{2}\), 49 left; resets in /);
    const history = await tollgate(['history']);
    expect(history.stdout).toContain('✓ What is a token bucket?');
    const models = await tollgate(['models', '--json']);
    expect(JSON.parse(models.stdout)).toContainEqual({ id: 'us.amazon.nova-2-lite-v1:0', name: 'Amazon Nova 2 Lite', default: true });
    const json = await tollgate(['usage', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ queries: 1, limit: 50, balance: 49 });
  });

  it('says what went wrong in words, with distinct exit codes', async () => {
    const email = uniqueEmail('cli-err');
    await tollgate(['register', email]);
    const wrong = await tollgate(['login', email], { TOLLGATE_PASSWORD: 'not my password' });
    expect(wrong).toMatchObject({ code: 1, stderr: 'The email or password is not correct.\n' });
    const taken = await tollgate(['register', email]);
    expect(taken.stderr).toContain('already exists');
    const weak = await tollgate(['register', uniqueEmail('cli-weak')], { TOLLGATE_PASSWORD: 'short' });
    expect(weak.stderr).toContain('(password)');
    const down = await tollgate(['login', email, '--url', 'http://127.0.0.1:9/graphql', '--api-key', 'x']);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('Cannot reach http://127.0.0.1:9/graphql');
    const usage = await tollgate(['nonsense']);
    expect(usage.code).toBe(2);
  });

  it('reads the password from standard input, and ends every session with logout-everywhere', async () => {
    const email = uniqueEmail('cli-out');
    expect(await tollgateWithStdin(['register', email], `${PASSWORD}\n`)).toBe(0);
    expect(await tollgateWithStdin(['login', email], `${PASSWORD}\n`)).toBe(0);
    expect((await tollgate(['usage'])).code).toBe(0);
    const out = await tollgate(['logout-everywhere']);
    expect(out.code).toBe(0);
    const after = await tollgate(['usage']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('tollgate login');
  });
});
