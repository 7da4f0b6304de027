// `npm run dev`: a save under resolvers/ restarts the API on the same port, with the same data.
// The test re-saves a resolver with identical content, so nothing else that runs meanwhile sees a
// different source tree.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client/index.ts';
import { ROOT } from '../../emulator/synth.ts';
import { TEST_CDK_OUT } from '../helpers/global-setup.ts';
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

afterAll(() => {
  if (dev?.pid) process.kill(-dev.pid, 'SIGTERM');
});

describe('npm run dev', () => {
  it('restarts on a save under resolvers/, on the same port and with the same data', async () => {
    const port = await freePort();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tollgate-dev-')), 'data');
    dev = spawn('npm', ['run', 'dev'], { cwd: ROOT, env: { ...process.env, PORT: String(port), TOLLGATE_DATA_DIR: dataDir, TOLLGATE_CDK_OUT: TEST_CDK_OUT }, detached: true });
    dev.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    dev.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor('✔ started', 0, 120_000);

    const url = `http://localhost:${port}/graphql`;
    const apiKey = readFileSync(join(dataDir, 'api-key'), 'utf8').trim();
    const email = uniqueEmail('dev');
    await createClient({ url, apiKey }).register(email, PASSWORD);

    const mark = output.length;
    const file = join(ROOT, 'resolvers', 'Query.models.ts');
    writeFileSync(file, readFileSync(file, 'utf8'));
    await waitFor('✔ changed resolvers', mark);
    expect(output.slice(mark)).toContain(`serving ${url}`);

    // Same port, same data: the account registered before the restart logs in after it.
    const client = createClient({ url, apiKey });
    await expect(client.login(email, PASSWORD)).resolves.toMatchObject({ email });
    expect((await client.models()).length).toBeGreaterThan(0);
  }, 180_000);
});
