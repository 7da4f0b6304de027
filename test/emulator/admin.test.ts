// The operator's admin command, run as the real binary against a running emulator's data.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../emulator/synth.ts';
import { TEST_CDK_OUT, testSynthEnv } from '../helpers/global-setup.ts';
import { PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';

const run = promisify(execFile);
let api: TestEmulator;

async function admin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'admin', 'index.ts'), ...args], {
      env: { ...testSynthEnv(), TOLLGATE_DATA_DIR: api.dataDir, TOLLGATE_CDK_OUT: TEST_CDK_OUT },
    });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  api = await startTestEmulator();
});

afterAll(async () => {
  await api?.stop();
});

describe('npm run admin', () => {
  it('shows a user without secrets, with limits and today’s usage', async () => {
    const email = uniqueEmail('admin');
    const client = api.client();
    await client.register(email, PASSWORD);
    await client.login(email, PASSWORD);
    await client.sendPrompt('count me');
    const out = await admin('show', email.toUpperCase(), '--json');
    expect(out.code).toBe(0);
    const shown = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ email, disabled: false, tokenVersion: 0, limits: { dailyPromptLimit: 'stack default' }, today: { queries: 1 } });
    expect(out.stdout).not.toMatch(/passwordHash|\$2[aby]\$/);
  });

  it('sets per-user limits that the next token decision applies', async () => {
    const email = uniqueEmail('limits');
    await api.client().register(email, PASSWORD);
    const set = await admin('set-limits', email, '--daily', '3', '--per-minute', 'default', '--json');
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ limits: { dailyPromptLimit: 3, promptsPerMinute: 'stack default' } });
    const client = api.client();
    await client.login(email, PASSWORD);
    expect(await client.myUsage()).toMatchObject({ limit: 3, balance: 3 });
  });

  it('disables (revoking tokens) and enables a user', async () => {
    const email = uniqueEmail('disable');
    const client = api.client();
    await client.register(email, PASSWORD);
    await client.login(email, PASSWORD);
    await client.myUsage();
    expect((await admin('disable', email)).code).toBe(0);
    api.clock.set(api.clock.now() + 3601_000);
    await expect(client.myUsage()).rejects.toMatchObject({ status: 401 });
    await expect(api.client().login(email, PASSWORD)).rejects.toMatchObject({ errorType: 'InvalidCredentials' });
    expect((await admin('enable', email)).code).toBe(0);
    await expect(client.login(email, PASSWORD)).resolves.toBeTruthy();
    expect((await admin('revoke', email, '--json')).stdout).toContain('"tokenVersion": 2');
  });

  it('fails clearly on an unknown user, a bad option and an unknown command', async () => {
    const [missing, bad, unknown] = await Promise.all([admin('show', 'nobody@example.com'), admin('set-limits', uniqueEmail('x'), '--daily', 'lots'), admin('frobnicate', 'a@b.co')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No user nobody@example.com');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--daily must be a whole number');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
  });
});
