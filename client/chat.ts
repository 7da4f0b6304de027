// `npx tollgate chat`: an interactive chat in the terminal. Each line is a prompt into the current
// conversation (the first starts one); /new starts another, /history shows this conversation's
// turns (or, before the first prompt, your recent conversations), /usage today's quota, /quit
// ends; Ctrl-C stops showing an answer (or, between answers, ends). Up and down recall earlier lines, kept across runs in the config folder (mode 0600).
// The loop is apart from how a prompt is sent: a Sender gets the text and a `write` for the
// answer; the chat streams (streamingSender writes each piece as it comes), blockingSender writes
// the whole answer at once.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { BLOCKED_NOTE, cliName, until } from './cli-text.ts';
import type { PromptOptions, PromptStreamEvent, TollgateClient } from './index.ts';

/** What the loop needs to know about an answered prompt, however it was sent. */
export interface ChatAnswer {
  conversationId: string;
  contextTurns: number;
  model: string;
  queries: number;
  balance: number;
}

/**
 * Sends one prompt into a conversation (none: a new one) and writes the answer's text through
 * `write` — all at once here; a streaming sender writes it as it arrives.
 */
export type Sender = (prompt: string, conversationId: string | undefined, write: (text: string) => void, stop: AbortSignal) => Promise<ChatAnswer>;

/**
 * Ctrl-C during an answer: the chat stops showing it and takes the next line. Like the web page's
 * Stop, it ends nothing on the server: the model writes the whole answer, which is charged and
 * kept (/history shows it). Carries the conversation when the API had already named it.
 */
export class StoppedError extends Error {
  override readonly name = 'StoppedError';
  constructor(readonly conversationId: string | undefined) {
    super('Stopped.');
  }
}

/** Resolves `work`, or rejects with StoppedError as soon as `stop` fires. */
function unlessStopped<T>(work: Promise<T>, stop: AbortSignal, conversationId: () => string | undefined): Promise<T> {
  if (stop.aborted) return Promise.reject(new StoppedError(conversationId()));
  return new Promise<T>((resolve, reject) => {
    const onStop = () => reject(new StoppedError(conversationId()));
    stop.addEventListener('abort', onStop, { once: true });
    work.then(resolve, reject).finally(() => stop.removeEventListener('abort', onStop));
  });
}

/** The blocking sender: sendPrompt, then the whole answer. */
export function blockingSender(client: TollgateClient, options: PromptOptions = {}): Sender {
  return async (prompt, conversationId, write, stop) => {
    const answer = await unlessStopped(client.sendPrompt(prompt, options, undefined, conversationId), stop, () => conversationId);
    write(answer.response);
    return answer;
  };
}

/**
 * The streaming sender: streamPrompt into the conversation, each piece written as it arrives; a
 * guardrail's message follows what was shown, which it replaces.
 */
export function streamingSender(client: TollgateClient, options: PromptOptions = {}): Sender {
  return async (prompt, conversationId, write, stop) => {
    let started: Extract<PromptStreamEvent, { kind: 'STARTED' }> | undefined;
    let done: Extract<PromptStreamEvent, { kind: 'DONE' }> | undefined;
    let shown = false;
    const events = client.streamPrompt(prompt, options, { conversationId });
    for (;;) {
      let next: IteratorResult<PromptStreamEvent>;
      try {
        next = await unlessStopped(events.next(), stop, () => started?.conversationId ?? conversationId);
      } catch (error) {
        // Leaving the stream closes its socket once the pending event arrives; nothing waits on it.
        if (error instanceof StoppedError) events.return(undefined).catch(() => undefined);
        throw error;
      }
      if (next.done) break;
      const event = next.value;
      if (event.kind === 'STARTED') {
        started = event;
      } else if (event.kind === 'TEXT') {
        shown = true;
        write(event.text);
      } else {
        done = event;
        if (event.replacement !== null) write(`${shown ? '\n\n' : ''}${BLOCKED_NOTE}\n${event.replacement}`);
      }
    }
    if (!started || !done) throw new Error('The stream ended without its answer.');
    return {
      conversationId: started.conversationId,
      contextTurns: started.contextTurns,
      model: started.model,
      queries: done.queries ?? started.queries,
      balance: done.balance ?? started.balance,
    };
  };
}

export interface ChatOptions {
  client: TollgateClient;
  send: Sender;
  input: Readable;
  output: Writable;
  /** Whether a person types (prompt marker, line editing, history recall). */
  interactive: boolean;
  /** Where recalled lines are kept across runs; none: only this run's. */
  historyFile?: string;
  /** A conversation to continue. */
  conversationId?: string;
  /** Words for an API error; fatal ones (credentials, unreachable) end the chat with their code. */
  explain(error: unknown): { message: string; fatal: boolean; code: number };
}

const HELP = 'Type a prompt and press Enter. /new starts a new conversation, /history shows this one, /usage your quota today, /quit ends. Ctrl-C stops an answer.';
const HISTORY_LINES = 500;

/** The chat loop; resolves with the exit code. */
export async function runChat(options: ChatOptions): Promise<number> {
  const { client, output, interactive } = options;
  const say = (text: string) => output.write(text + '\n');
  const rl = createInterface({
    input: options.input,
    output: interactive ? output : undefined,
    terminal: interactive,
    historySize: HISTORY_LINES,
    history: interactive && options.historyFile ? loadHistory(options.historyFile) : [],
  });
  let conversationId = options.conversationId;
  // Ctrl-C stops the answer being shown; with none, it ends the chat (as Ctrl-D and /quit do).
  let answering: AbortController | undefined;
  rl.on('SIGINT', () => {
    if (answering && !answering.signal.aborted) answering.abort();
    else rl.close();
  });
  if (interactive) say(`${HELP}\n`);
  prompt(rl, interactive);
  for await (const raw of rl) {
    const line = raw.trim();
    if (line !== '' && interactive && options.historyFile) remember(options.historyFile, line);
    try {
      if (line === '') {
        // nothing to send
      } else if (line === '/quit' || line === '/exit') {
        break;
      } else if (line === '/new') {
        conversationId = undefined;
        say('New conversation: your next prompt starts it.');
      } else if (line === '/help') {
        say(HELP);
      } else if (line === '/usage') {
        const u = await client.myUsage();
        say(`${u.queries} of ${u.limit} prompts used today, ${u.balance} left; ${u.inputTokens + u.outputTokens} of ${u.tokenLimit} tokens; resets in ${until(u.resetsAt)}.`);
      } else if (line === '/history') {
        say(await history(client, conversationId));
      } else if (line.startsWith('/')) {
        say(`Unknown command ${line.split(/\s/)[0]}. ${HELP}`);
      } else {
        // While nothing of the answer has come, a person sees that it is on its way.
        let waiting = interactive;
        if (waiting) output.write('…');
        // Into a conversation, 0 earlier turns is not "new": a turn still being written is not context yet.
        const fresh = conversationId === undefined;
        answering = new AbortController();
        const answer = await options.send(
          line,
          conversationId,
          (text) => {
            if (waiting) output.write('\r\x1b[K');
            waiting = false;
            output.write(text);
          },
          answering.signal,
        );
        conversationId = answer.conversationId;
        const context = fresh ? 'new conversation' : `${answer.contextTurns} earlier ${answer.contextTurns === 1 ? 'turn' : 'turns'} sent`;
        say(`\n— ${answer.model} · ${context} · ${answer.balance} of ${answer.queries + answer.balance} prompts left today\n`);
      }
    } catch (error) {
      if (error instanceof StoppedError) {
        conversationId = error.conversationId ?? conversationId;
        answering = undefined;
        say(`\n— stopped: the model still finishes this answer and it is charged; /history shows it\n`);
        prompt(rl, interactive);
        continue;
      }
      if (interactive) output.write('\r\x1b[K');
      const explained = options.explain(error);
      say(explained.message);
      if (explained.fatal) {
        rl.close();
        return explained.code;
      }
    }
    answering = undefined;
    prompt(rl, interactive);
  }
  rl.close();
  return 0;
}

function prompt(rl: Interface, interactive: boolean): void {
  if (!interactive) return;
  rl.setPrompt('you › ');
  rl.prompt();
}

/** This conversation's turns, oldest first (the newest 20); before any prompt, your recent conversations. */
async function history(client: TollgateClient, conversationId: string | undefined): Promise<string> {
  if (!conversationId) {
    const page = await client.myConversations(10);
    if (page.items.length === 0) return 'No conversations yet.';
    return [`Your recent conversations (continue one with ${cliName()} chat --conversation ID):`, ...page.items.map((c) => `  ${c.id}  ${c.title}  (${c.turns} ${c.turns === 1 ? 'turn' : 'turns'}, ${c.lastActiveAt})`)].join('\n');
  }
  const page = await client.conversationTurns(conversationId, 20);
  const turns = [...page.items].reverse();
  const lines = turns.map((t) => `#${t.seq ?? '?'} you › ${t.prompt}\n${t.status === 'COMPLETED' || t.status === 'BLOCKED' ? (t.response ?? '') : `(${t.status.toLowerCase().replace('_', ' ')})`}`);
  if (page.nextToken) lines.unshift('(earlier turns not shown)');
  return lines.join('\n\n') || 'No turns yet.';
}

/** The chat history file beside the CLI's config. */
export function historyPath(configFile: string): string {
  return join(dirname(configFile), 'chat_history');
}

function loadHistory(file: string): string[] {
  if (!existsSync(file)) return [];
  // readline wants the newest first.
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').slice(-HISTORY_LINES).reverse();
}

function remember(file: string, line: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    appendFileSync(file, line.replace(/\n/g, ' ') + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    // Kept to the lines recall can use, once it has grown well past them.
    if (statSync(file).size > 256 * 1024) writeFileSync(file, readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').slice(-HISTORY_LINES).join('\n') + '\n', { mode: 0o600 });
  } catch {
    // Recall is a convenience: a read-only config folder must not end the chat.
  }
}
