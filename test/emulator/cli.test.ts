// The CLI as people run it: the real binary, its config file, its messages and exit codes.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveSession } from '../../client/config.ts';
import { ROOT } from '../../emulator/synth.ts';
import { documentClientOf, freePort, freshUser, PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';
import { claimItem } from '../helpers/streaming.ts';

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

/**
 * A user registered and logged in through the SDK, with the session kept where the CLI reads it:
 * for tests about what the CLI prints, not about how it logs in (the first test covers that).
 */
async function signedIn(label: string) {
  const user = await freshUser(api, label);
  saveSession(api.graphqlUrl, { email: user.email, token: user.token, expiresAt: user.expiresAt }, { XDG_CONFIG_HOME: home });
  return user;
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
    expect(reg.stdout).toContain(`Next: npx tollgate login ${email}`);
    const login = await tollgate(['login', email]);
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`^Logged in as ${email} for (59 min \\d+ s|1 h) \\(until `));
    const file = join(home, 'tollgate', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'tollgate')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toContain(api.graphqlUrl);

    const ask = await tollgate(['ask', 'What is a token bucket?']);
    expect(ask.code).toBe(0);
    expect(ask.stdout).toContain('[tollgate dev model]');
    expect(ask.stdout).toContain('49 of 50 left today');

    const [usage, history, models, json] = await Promise.all([tollgate(['usage']), tollgate(['history']), tollgate(['models', '--json']), tollgate(['usage', '--json'])]);
    expect(usage.stdout).toMatch(/^1 of 50 prompts used today \(\d{4}-\d{2}-\d{2}\), 49 left; resets in (\d+ h( \d+ min)?|\d+ min( \d+ s)?|\d+ s)\.\n/);
    expect(history.stdout).toContain('✓ What is a token bucket?');
    expect(history.stdout).not.toContain('More prompts');
    expect(JSON.parse(models.stdout)).toContainEqual({ id: 'us.amazon.nova-2-lite-v1:0', name: 'Amazon Nova 2 Lite', default: true });
    expect(JSON.parse(json.stdout)).toMatchObject({ queries: 1, limit: 50, balance: 49 });
  });

  it('streams ask by default, waits for the whole answer with --no-stream, and says when a guardrail blocked the answer either way', async () => {
    const { client } = await signedIn('cli-stream');
    // One after another: what the CLI prints is the point here, not concurrency (quota.test.ts).
    const streamed = await tollgate(['ask', 'Stream this']);
    const whole = await tollgate(['ask', 'Wait for this', '--no-stream']);
    const blocked = await tollgate(['ask', 'Block this [[fault:guardrail]]']);
    const blockedWhole = await tollgate(['ask', 'Block this too [[fault:guardrail]]', '--no-stream']);
    const json = await tollgate(['ask', 'As JSON', '--json']);
    for (const out of [streamed, whole, blocked, blockedWhole, json]) expect(out.code, out.stderr).toBe(0);
    expect(streamed.stdout).toMatch(/^\[tollgate dev model\][^]*\n\n— us\.amazon\.nova-2-lite-v1:0 · \d+ of 50 left today · conversation [0-9A-HJKMNP-TV-Z]{26}\n$/);
    expect(whole.stdout).toContain('[tollgate dev model]');
    for (const out of [blocked, blockedWhole]) expect(out.stdout).toContain('⚠ A guardrail blocked this answer. Its message instead:\nSorry, the model cannot answer this question.');
    const answer = JSON.parse(json.stdout) as { id: string; response: string; status: string; conversationId: string; contextTurns: number };
    expect(answer).toMatchObject({ status: 'COMPLETED', contextTurns: 0 });
    // The streamed answer is the one in the log.
    expect((await client.prompt(answer.id)).response).toBe(answer.response);
    // --conversation streams too, with the conversation's earlier turn sent along.
    const next = await tollgate(['ask', 'And then?', '--conversation', answer.conversationId]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('I remember 1 earlier turn: you first said "As JSON"');
    expect(next.stdout).toMatch(new RegExp(`· conversation ${answer.conversationId}\n$`));
    expect((await client.conversation(answer.conversationId)).turns).toBe(2);
  });

  it('streams ask --key, and answers a repeat of the key (streamed or --no-stream, while the first runs or after) with the first prompt, charged once', async () => {
    const user = await signedIn('cli-key');
    type Answer = { id: string; response: string; status: string; conversationId: string; contextTurns: number; queries: number; balance: number };
    const first = await tollgate(['ask', 'Keyed ask', '--key', 'k1', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const answer = JSON.parse(first.stdout) as Answer;
    expect(answer).toMatchObject({ status: 'COMPLETED', contextTurns: 0, queries: 1, balance: 49 });
    // Streamed: startPrompt claimed its id (a blocking prompt has no claim item).
    expect(await claimItem(api, answer.id)).toBeDefined();
    const again = await tollgate(['ask', 'Keyed ask', '--key', 'k1']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${answer.response}\n\n— us.amazon.nova-2-lite-v1:0 · 49 of 50 left today · conversation ${answer.conversationId}\n`);
    const whole = await tollgate(['ask', 'Keyed ask', '--key', 'k1', '--no-stream', '--json']);
    expect(JSON.parse(whole.stdout)).toMatchObject({ id: answer.id, response: answer.response, conversationId: answer.conversationId });

    // The first a blocking --no-stream still with the model: the streamed repeat answers it once it is logged.
    const slow = 'Keyed slowly [[slow:6000]]';
    const blocking = tollgate(['ask', slow, '--key', 'k2', '--no-stream', '--json']);
    const day = new Date(api.clock.now()).toISOString().slice(0, 10);
    const usage = async () => (await documentClientOf(api).send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId: user.id, day }, ConsistentRead: true }))).Item;
    while ((await usage())?.['idem:k2'] === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    const repeat = await tollgate(['ask', slow, '--key', 'k2', '--json']);
    const blocked = await blocking;
    expect(repeat.code, repeat.stderr).toBe(0);
    expect(blocked.code, blocked.stderr).toBe(0);
    const firstSlow = JSON.parse(blocked.stdout) as Answer;
    expect(JSON.parse(repeat.stdout)).toMatchObject({ id: firstSlow.id, response: firstSlow.response, status: 'COMPLETED', conversationId: firstSlow.conversationId });
    expect(await claimItem(api, firstSlow.id)).toBeUndefined();
    expect(await user.client.myUsage()).toMatchObject({ queries: 2 });
  });

  it('lines up the models table and says when more history pages exist, with the command for the next one', async () => {
    const { client } = await signedIn('cli-pages');
    for (const prompt of ['first', 'second', 'third']) await client.sendPrompt(prompt);

    const [modelsOut, page] = await Promise.all([tollgate(['models']), tollgate(['history', '--limit', '2'])]);
    const models = modelsOut.stdout.split('\n');
    expect(models[0]).toMatch(/^ {3}ID {2,}NAME$/);
    const nameColumn = models[0]!.indexOf('NAME');
    const listed = await client.models();
    expect(listed.length).toBeGreaterThan(0);
    for (const [i, model] of listed.entries()) {
      expect(models[i + 1], model.id).toMatch(new RegExp(`^${model.default ? '\\*' : ' '} {2}${model.id.replace(/[.]/g, '\\.')} `));
      expect(models[i + 1]!.indexOf(model.name), model.id).toBe(nameColumn);
    }

    expect(page.stdout).toContain('✓ third');
    expect(page.stdout).toContain('✓ second');
    const next = /More prompts: npx tollgate history --limit 2 --next (\S+)/.exec(page.stdout);
    expect(next, page.stdout).not.toBeNull();
    const rest = await tollgate(['history', '--limit', '2', '--next', next![1]!]);
    expect(rest.stdout).toContain('✓ first');
    expect(rest.stdout).not.toContain('More prompts');
  });

  it('lists conversations a page at a time with the commands to continue one and to see the next page', async () => {
    const { client } = await signedIn('cli-conversations');
    const first = await client.sendPrompt('Plan a weekend in Lisbon.');
    await client.sendPrompt('Now shorter.', undefined, undefined, first.conversationId);
    const second = await client.sendPrompt('Something   else\nentirely');

    const page = await tollgate(['conversations', '--limit', '1']);
    expect(page.code, page.stderr).toBe(0);
    const [header, row] = page.stdout.split('\n');
    expect(header).toMatch(/^ID {2,}TURNS {2}LAST ACTIVE {11}TITLE$/);
    expect(row).toMatch(new RegExp(`^${second.conversationId} {2}1 {6}\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ {2}Something else$`));
    expect(page.stdout).toContain('Continue one: npx tollgate chat --conversation ID');
    const next = /More conversations: npx tollgate conversations --limit 1 --next (\S+)/.exec(page.stdout);
    expect(next, page.stdout).not.toBeNull();
    const rest = await tollgate(['conversations', '--limit', '1', '--next', next![1]!]);
    expect(rest.stdout).toMatch(new RegExp(`\n${first.conversationId} {2}2 {6}\\S+ {2}Plan a weekend in Lisbon\\.\n`));
    const json = JSON.parse((await tollgate(['conversations', '--json'])).stdout) as { items: { id: string }[] };
    expect(json.items.map((c) => c.id)).toEqual([second.conversationId, first.conversationId]);
  });

  it('takes an unquoted prompt whole, answers each command’s --help, and words bad options with where to look', async () => {
    const { client } = await signedIn('cli-words');
    const ask = await tollgate(['ask', 'Explain', 'rate', 'limiting', '--no-stream', '--json']);
    expect(ask.code, ask.stderr).toBe(0);
    expect((JSON.parse(ask.stdout) as { prompt: string }).prompt).toBe('Explain rate limiting');
    expect((await client.myPrompts(5)).items.map((p) => p.prompt)).toEqual(['Explain rate limiting']);

    const [help, askHelp, unknown, missing, extra, none] = await Promise.all([
      tollgate(['--help']),
      tollgate(['ask', '--help']),
      tollgate(['ask', 'hi', '--bogus']),
      tollgate(['chat', '--conversation']),
      tollgate(['login', 'a@example.com', 'b@example.com']),
      tollgate([]),
    ]);
    for (const command of ['register', 'login', 'ask', 'chat', 'usage', 'history', 'conversations', 'models', 'logout-everywhere', 'logout', 'evaluate-code', 'doctor']) {
      expect(help.stdout).toMatch(new RegExp(`\n  ${command}\\b`));
    }
    expect(askHelp).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: npx tollgate ask "<prompt>" \[options\]\n\nSend a prompt;[^]*--conversation ID[^]*--url URL/) });
    expect(unknown).toMatchObject({ code: 2, stderr: 'Unknown option --bogus. Run npx tollgate --help for the options.\n' });
    expect(missing).toMatchObject({ code: 2, stderr: 'The option --conversation needs a value. Run npx tollgate --help for the options.\n' });
    expect(extra).toMatchObject({ code: 2, stderr: 'Too many arguments for login: a@example.com b@example.com. Usage: npx tollgate login <email>\n' });
    expect(none).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('Usage: npx tollgate <command> [options]') });
  });

  it('exits 3 from doctor when there is nothing to check, and 2 only for a wrong command line', async () => {
    const [nothing, wrong] = await Promise.all([
      tollgate(['doctor'], { TOLLGATE_DATA_DIR: '/nonexistent/tollgate-doctor' }),
      tollgate(['doctor', '--bogus']),
    ]);
    expect(nothing).toMatchObject({ code: 3, stderr: expect.stringMatching(/^doctor: No running emulator for \/nonexistent\/tollgate-doctor\. Start it with npm start/) });
    expect(wrong.code).toBe(2);
  });

  it('says what went wrong in words, with distinct exit codes', async () => {
    const { email } = await signedIn('cli-err');
    const [wrong, taken, weak, model, tokens, usageError] = await Promise.all([
      tollgate(['login', email], { TOLLGATE_PASSWORD: 'not my password' }),
      tollgate(['register', email]),
      tollgate(['register', uniqueEmail('cli-weak')], { TOLLGATE_PASSWORD: 'short' }),
      tollgate(['ask', 'hi', '--model', 'nope']),
      tollgate(['ask', 'hi', '--max-tokens', '999999']),
      tollgate(['nonsense']),
    ]);
    expect(wrong).toMatchObject({ code: 1, stderr: 'The email or password is not correct.\n' });
    expect(taken).toMatchObject({ code: 1, stderr: `An account with this email already exists. Run: npx tollgate login ${email}\n` });
    expect(weak).toMatchObject({ code: 1, stderr: 'The password needs at least 8 characters.\n' });
    expect(model).toMatchObject({ code: 1, stderr: 'The model "nope" is not available to you. Run: npx tollgate models\n' });
    expect(tokens).toMatchObject({ code: 1, stderr: '--max-tokens must be from 1 to 4096. Received: 999999\n' });
    expect(usageError.code).toBe(2);
  });

  it('says which API it tried and how to start or point at one, when nothing answers there', async () => {
    const url = `http://127.0.0.1:${await freePort()}/graphql`;
    const [register, usage, down] = await Promise.all([
      tollgate(['register', uniqueEmail('cli-down')], { TOLLGATE_URL: url }),
      tollgate(['usage'], { TOLLGATE_URL: url }),
      tollgate(['login', 'me@example.com', '--url', url, '--api-key', 'x']),
    ]);
    for (const [out, source] of [[register, 'TOLLGATE_URL'], [usage, 'TOLLGATE_URL'], [down, '--url']] as const) {
      expect(out.code).toBe(3);
      expect(out.stderr).toContain(`Cannot reach the Tollgate API at ${url} (${source}): nothing listens there (ECONNREFUSED).\nCheck ${source}:`);
    }
  });

  it('tells a missing API key, a wrong API key and a missing login apart (exit code 4)', async () => {
    const [noKey, wrongKey, notLoggedIn] = await Promise.all([
      tollgate(['register', uniqueEmail('cli-nokey')], { TOLLGATE_URL: api.graphqlUrl }),
      tollgate(['login', 'me@example.com', '--api-key', 'da2-wrong']),
      tollgate(['usage'], { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'tollgate-cli-empty-')) }),
    ]);
    expect(noKey).toMatchObject({ code: 4, stderr: expect.stringMatching(new RegExp(`^No API key for ${api.graphqlUrl} \\(TOLLGATE_URL\\)\\. Pass --api-key KEY or set TOLLGATE_API_KEY`)) });
    expect(wrongKey).toMatchObject({ code: 4, stderr: expect.stringMatching(new RegExp(`^The API key was refused by ${api.graphqlUrl}\\.`)) });
    expect(notLoggedIn).toMatchObject({ code: 4, stderr: expect.stringMatching(new RegExp(`^You are not logged in to ${api.graphqlUrl} \\(the local API .*\\)\\. Run: npx tollgate login <email>`)) });
  });

  it('reads the password from standard input, and ends every session with logout-everywhere', async () => {
    const email = uniqueEmail('cli-out');
    expect(await tollgateWithStdin(['register', email], `${PASSWORD}\n`)).toBe(0);
    expect(await tollgateWithStdin(['login', email], `${PASSWORD}\n`)).toBe(0);
    expect((await tollgate(['usage'])).code).toBe(0);
    const out = await tollgate(['logout-everywhere']);
    expect(out.code).toBe(0);
    // The session file is gone too; a token kept elsewhere is refused with the same advice.
    const after = await tollgate(['usage']);
    expect(after).toMatchObject({ code: 4, stderr: expect.stringContaining('Run: npx tollgate login <email>') });
  });

  it('runs from the repository as npx tollgate, and lists its exit codes in --help', async () => {
    const help = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile('npx', ['tollgate', '--help'], { cwd: ROOT }, (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout })),
    );
    expect(help.code).toBe(0);
    for (const line of ['0  done', '1  the API refused', '2  wrong usage', '3  the API could not be reached', '4  credentials missing or refused']) expect(help.stdout).toContain(line);
  });
});
