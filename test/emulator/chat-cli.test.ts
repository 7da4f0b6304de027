// `tollgate chat` as people run it: the real binary, fed lines on standard input as a script would,
// and in a pseudo-terminal (util-linux `script`) as a person would, with up-arrow recall.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveSession } from '../../client/config.ts';
import { ROOT } from '../../emulator/synth.ts';
import { freshUser, startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';
import { claimItem } from '../helpers/streaming.ts';

let api: TestEmulator;

beforeAll(async () => {
  api = await startTestEmulator();
});
afterAll(async () => {
  await api?.stop();
});

/** A user logged in where the CLI looks (a config folder of its own). */
async function signedIn(label: string) {
  const user = await freshUser(api, label);
  const home = mkdtempSync(join(tmpdir(), 'tollgate-chat-'));
  saveSession(api.graphqlUrl, { email: user.email, token: user.token, expiresAt: user.expiresAt }, { XDG_CONFIG_HOME: home });
  return { ...user, home };
}

/** Runs a command with `input` written line by line, each after the output so far has settled. */
function run(command: string, args: string[], home: string, lines: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '', XDG_CONFIG_HOME: home, TOLLGATE_DATA_DIR: api.dataDir, TERM: 'xterm' } });
    let stdout = '';
    let pending = [...lines];
    let timer: NodeJS.Timeout | undefined;
    // The next line goes once the CLI has been quiet a moment: an answer, or the prompt marker.
    const feed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const next = pending.shift();
        // Out of lines: the end of input, as at the end of a piped file.
        if (next === undefined) return void child.stdin.end();
        child.stdin.write(next + '\n');
        feed();
      }, 400);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      feed();
    });
    feed();
    child.on('close', (code) => {
      clearTimeout(timer);
      pending = [];
      resolve({ code: code ?? -1, stdout });
    });
  });
}

/** Runs a command and, step by step, writes each input once the output so far shows its cue; then ends the input. */
function drive(command: string, args: string[], home: string, steps: [cue: string, input: string][]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '', XDG_CONFIG_HOME: home, TOLLGATE_DATA_DIR: api.dataDir, TERM: 'xterm' } });
    let stdout = '';
    let seen = 0;
    const pending = [...steps];
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      while (pending.length > 0) {
        const at = stdout.indexOf(pending[0]![0], seen);
        if (at < 0) break;
        seen = at + pending[0]![0].length;
        child.stdin.write(pending.shift()![1]);
      }
    });
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

const tollgate = join(ROOT, 'bin', 'tollgate.mjs');

const claimOwner = async (id: string) => (await claimItem(api, id))?.owner;

describe('tollgate chat', () => {
  it('carries the conversation from line to line, starts another with /new, and answers /history and /usage', async () => {
    const user = await signedIn('chat');
    const { code, stdout } = await run(tollgate, ['chat'], user.home, ['Tell me about alpacas.', 'And llamas?', '/history', '/usage', '/new', 'Something else', '/bogus', '/quit', 'never sent']);
    expect(code).toBe(0);
    expect(stdout).toContain('new conversation · 49 of 50 prompts left today');
    expect(stdout).toContain('I remember 1 earlier turn: you first said "Tell me about alpacas."');
    expect(stdout).toContain('1 earlier turn sent · 48 of 50 prompts left today');
    expect(stdout).toMatch(/#1 you › Tell me about alpacas\.\n\[tollgate dev model\][^\n]*\n\n#2 you › And llamas\?/);
    expect(stdout).toContain('2 of 50 prompts used today, 48 left');
    expect(stdout).toContain('New conversation: your next prompt starts it.');
    expect(stdout).toMatch(/You said: "Something else"\.[^\n]*turn 1,/);
    expect(stdout).toContain('Unknown command /bogus.');
    expect(stdout).not.toContain('never sent');
    const conversations = await user.client.myConversations();
    expect(conversations.items.map((c) => [c.title, c.turns])).toEqual([
      ['Something else', 1],
      ['Tell me about alpacas.', 2],
    ]);
    // Every answer was streamed: each turn's id was claimed by startPrompt (resolvers/lib/claim.ts).
    const turns = (await user.client.myPrompts(10)).items;
    expect(turns).toHaveLength(3);
    for (const turn of turns) expect(await claimOwner(turn.id)).toBe(user.id);
  });

  it('waits for each whole answer with --no-stream', async () => {
    const user = await signedIn('chat-whole');
    const { code, stdout } = await run(tollgate, ['chat', '--no-stream'], user.home, ['Tell me about alpacas.', 'And llamas?']);
    expect(code).toBe(0);
    expect(stdout).toContain('1 earlier turn sent · 48 of 50 prompts left today');
    const turns = (await user.client.myPrompts(10)).items;
    expect(turns).toHaveLength(2);
    for (const turn of turns) expect(await claimOwner(turn.id)).toBeUndefined();
  });

  it('continues a conversation named with --conversation, and says what the API refused without ending', async () => {
    const user = await signedIn('resume');
    const first = await user.client.sendPrompt('Remember the number 7.');
    const { code, stdout } = await run(tollgate, ['chat', '--conversation', first.conversationId, '--max-tokens', '99999'], user.home, ['What was it?']);
    expect(code).toBe(0);
    expect(stdout).toContain('--max-tokens must be from 1 to');
    const again = await run(tollgate, ['chat', '--conversation', first.conversationId], user.home, ['What was it?']);
    expect(again.stdout).toContain('I remember 1 earlier turn: you first said "Remember the number 7."');
    const other = await run(tollgate, ['chat', '--conversation', '01KB00000000000000000NOPE1'], user.home, ['hello?']);
    expect(other.stdout).toContain('No conversation with that id belongs to you.');
  });

  it('ends with exit code 4 when the session is gone', async () => {
    const user = await signedIn('ended');
    await user.client.logoutEverywhere();
    const { code, stdout } = await run(tollgate, ['chat'], user.home, ['hello?', 'and again?']);
    expect(code).toBe(4);
    expect(stdout).toContain('has ended');
  });

  it('in a terminal, shows a prompt marker and recalls earlier lines with the up arrow, kept readable only by the user', async () => {
    const hasScript = (() => {
      try {
        execFileSync('script', ['--version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    // util-linux `script` gives the CLI a pseudo-terminal; every Linux CI image here has it.
    expect(hasScript).toBe(true);
    const user = await signedIn('tty');
    const { stdout } = await run('script', ['-qfec', `${tollgate} chat`, '/dev/null'], user.home, ['/usage', '\x1b[A', '/quit']);
    expect(stdout).toContain('you › ');
    expect(stdout.match(/0 of 50 prompts used today/g)).toHaveLength(2);
    const file = join(user.home, 'tollgate', 'chat_history');
    expect(readFileSync(file, 'utf8')).toBe('/usage\n/usage\n/quit\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('in a terminal, Ctrl-C stops showing an answer and stays in the conversation, and between answers ends the chat', async () => {
    const user = await signedIn('tty-stop');
    // A conversation whose only turn failed: it sends no context, yet it is not a new conversation.
    const failed = await user.client.sendPrompt('Fail once [[fault:unavailable]]').catch((error: unknown) => error);
    expect(failed).toMatchObject({ errorType: 'ModelError' });
    const [conversation] = (await user.client.myConversations()).items;
    // Each line goes when what it answers has shown, not after a quiet spell: a loaded machine may pause anywhere.
    const { code, stdout } = await drive('script', ['-qfec', `${tollgate} chat --conversation ${conversation!.id}`, '/dev/null'], user.home, [
      ['you › ', 'Take your time [[slow:5000]]\n'],
      ['…', '\x03'],
      ['— stopped', 'And then?\n'],
      ['prompts left today', '\x03'],
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('— stopped: the model still finishes this answer and it is charged; /history shows it');
    expect(stdout).toMatch(/— \S+ · 0 earlier turns sent · \d+ of 50 prompts left today/);
    // Three turns counted in; the stopped one (seq 2) is still being written, so only 1 and 3 are records yet.
    expect((await user.client.conversation(conversation!.id)).turns).toBe(3);
    const after = await user.client.conversationTurns(conversation!.id);
    expect(after.items.map((t) => [t.prompt, t.seq])).toEqual([
      ['And then?', 3],
      ['Fail once [[fault:unavailable]]', 1],
    ]);
  });
});

