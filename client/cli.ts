// `npx tollgate …`: register, log in, ask, chat, and look at your usage, history and conversations from a terminal.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BLOCKED_NOTE, cliName, EXIT, explain, formatDuration, missingApiKey, notLoggedIn, table, unreachable, until } from './cli-text.ts';
import { blockingSender, historyPath, runChat, streamingSender } from './chat.ts';
import { asTollgateError, createClient, TollgateError, type AnyTollgateError, type TollgateClient, type WebSocketConstructor } from './index.ts';
import { configPath, forgetSession, loadSession, resolveEndpoint, saveSession, type Endpoint } from './config.ts';

/** Each command: how it is called, what it does, and its own options (one line each). */
const COMMANDS: Record<string, { usage: string; about: string; options?: string[] }> = {
  register: { usage: 'register <email>', about: 'create an account (asks for a password)' },
  login: { usage: 'login <email>', about: 'log in; the token is kept in ~/.config/tollgate (only you can read it)' },
  ask: {
    usage: 'ask "<prompt>"',
    about: 'send a prompt; the answer prints as it is written',
    options: [
      '--model ID                the model (see: models)',
      '--max-tokens N            the longest answer, in tokens',
      '--temperature T           from 0 to 1',
      '--conversation ID         continue a conversation (see: conversations)',
      '--no-stream               wait for the whole answer instead',
      '--key IDEMPOTENCY_KEY     retry-safe: a repeat answers the first, charged once',
    ],
  },
  chat: {
    usage: 'chat',
    about: 'chat in the terminal, answers streamed: /new, /history, /usage, /quit',
    options: ['--conversation ID         continue a conversation', '--model ID, --max-tokens N, --temperature T   for every prompt', '--no-stream               wait for each whole answer'],
  },
  usage: { usage: 'usage', about: "today's prompts and tokens" },
  history: { usage: 'history', about: 'your recent prompts', options: ['--limit N                 how many (default 10, at most 100)', '--next TOKEN              the next page (the command is printed when there is one)'] },
  conversations: { usage: 'conversations', about: 'your conversations, most recently active first', options: ['--limit N                 how many (default 10, at most 100)', '--next TOKEN              the next page'] },
  models: { usage: 'models', about: 'the models you may use' },
  'logout-everywhere': { usage: 'logout-everywhere', about: 'end every session of this account, on every device' },
  logout: { usage: 'logout', about: 'forget the token on this machine' },
  'evaluate-code': { usage: 'evaluate-code', about: "run a resolver handler offline, as AppSync's EvaluateCode (--help)" },
  doctor: { usage: 'doctor', about: 'check that the API can serve prompts: the running local API, or --stage <stage> on AWS (--help)' },
};

const GLOBAL_OPTIONS = `Options for every command:
  --url URL                 the API (default: TOLLGATE_URL, else the running local API, else http://localhost:4000/graphql)
  --api-key KEY             the API key for register/login (default: TOLLGATE_API_KEY or the local API's)
  --json                    machine-readable output (errors too: errorType, errorInfo, message)
  -h, --help                this help; <command> --help for one command's`;

function help(cli: string): string {
  const rows = Object.values(COMMANDS).flatMap((c) => [`  ${c.usage.padEnd(26)}${c.about}`, ...(c.options ?? []).map((o) => `${' '.repeat(30)}${o}`)]);
  return `Tollgate: chat with a model behind a quota.

Usage: ${cli} <command> [options]

${rows.join('\n')}

${GLOBAL_OPTIONS}

Exit codes:
  0  done
  1  the API refused (quota, validation, wrong password, email taken…)
  2  wrong usage (unknown command, missing argument, bad option)
  3  the API could not be reached
  4  credentials missing or refused (not logged in, session ended, API key missing or wrong)

The password is read from TOLLGATE_PASSWORD, from standard input when it is not a terminal,
or asked for without echo.`;
}

function commandHelp(cli: string, name: string): string {
  const c = COMMANDS[name]!;
  const options = (c.options ?? []).map((o) => `  ${o}`);
  return [`Usage: ${cli} ${c.usage}${c.options ? ' [options]' : ''}`, '', `${c.about[0]!.toUpperCase()}${c.about.slice(1)}.`, ...(options.length ? ['', ...options] : []), '', GLOBAL_OPTIONS].join('\n');
}

/** How this run's suggestions spell the CLI: npx tollgate, or tollgate from PATH. */
const CLI = cliName();

class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the CLI found itself, already in words, with its exit code. */
class CliFailure extends Error {
  override readonly name = 'CliFailure';
  constructor(
    message: string,
    readonly exitCode: number,
    readonly errorType: string,
  ) {
    super(message);
  }
}

interface Ctx {
  endpoint: Endpoint;
  json: boolean;
  out(text: string, data: unknown): void;
}

/** What the error handler needs to word an error: which API, which kind of call, which email and model. */
const situation: { endpoint?: Endpoint; usesApiKey: boolean; email?: string; model?: string; conversation?: string } = { usesApiKey: false };

/** Any HTTP answer at all means the API is there; only a failed connection means it is not. */
async function ensureReachable(endpoint: Endpoint): Promise<void> {
  try {
    const res = await fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : (error as Error).name === 'TimeoutError' ? 'ETIMEDOUT' : null;
    throw new CliFailure(unreachable(endpoint, code), EXIT.unreachable, 'NetworkError');
  }
}

async function readPassword(prompt: string): Promise<string> {
  if (process.env.TOLLGATE_PASSWORD) return process.env.TOLLGATE_PASSWORD;
  if (!process.stdin.isTTY) {
    let data = '';
    for await (const chunk of process.stdin) data += String(chunk);
    return data.replace(/\r?\n$/, '');
  }
  // Ask without echo.
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
  let asking = true;
  output._writeToOutput = (s: string) => {
    if (!asking || s.includes(prompt)) process.stderr.write(s);
  };
  return new Promise((resolve) => {
    rl.question(prompt, (answer) => {
      asking = false;
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

/** A spinner on stderr while waiting, only when a person is watching. */
async function withSpinner<T>(label: string, work: Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) return work;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  const timer = setInterval(() => process.stderr.write(`\r${frames[(i += 1) % frames.length]} ${label}`), 80);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  }
}

/** A client with this machine's token for the API; says so, in words, when there is none. */
async function authedClient(ctx: Ctx): Promise<TollgateClient> {
  const session = loadSession(ctx.endpoint.url);
  situation.email = session?.email;
  if (!session) {
    await ensureReachable(ctx.endpoint);
    throw new CliFailure(notLoggedIn(ctx.endpoint), EXIT.credentials, 'ClientError');
  }
  return createClient({ url: ctx.endpoint.url, apiKey: ctx.endpoint.apiKey, token: session.token, WebSocket: await webSocket() });
}

/** The platform's WebSocket (Node 22+), or on Node 20 the `ws` package the repository installs. */
async function webSocket(): Promise<WebSocketConstructor> {
  const platform = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (platform) return platform;
  const { WebSocket } = await import('ws');
  return class NodeSocket extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols);
    }
  };
}

/** A client with the API key, for register and login; says so, in words, when there is none. */
async function keyedClient(ctx: Ctx, email: string): Promise<TollgateClient> {
  situation.usesApiKey = true;
  situation.email = email;
  if (!ctx.endpoint.apiKey) {
    await ensureReachable(ctx.endpoint);
    throw new CliFailure(missingApiKey(ctx.endpoint), EXIT.credentials, 'ClientError');
  }
  return createClient({ url: ctx.endpoint.url, apiKey: ctx.endpoint.apiKey });
}

/** ask, streamed: each piece printed as it arrives (--json: one object at the end, as --no-stream prints). */
async function streamAnswer(
  ctx: Ctx,
  client: TollgateClient,
  prompt: string,
  options: { model?: string; maxTokens?: number; temperature?: number },
  ids: { conversationId?: string; idempotencyKey?: string },
): Promise<void> {
  let text = '';
  let started: { id: string; model: string; queries: number; balance: number; conversationId: string; contextTurns: number } | undefined;
  for await (const event of client.streamPrompt(prompt, options, ids)) {
    if (event.kind === 'STARTED') {
      started = event;
    } else if (event.kind === 'TEXT') {
      text += event.text;
      if (!ctx.json) process.stdout.write(event.text);
    } else {
      const blocked = event.status === 'BLOCKED';
      const response = blocked ? (event.replacement ?? '') : text;
      // An answer read from prompt(id) (by --key) ends without the counts: the start's stand in.
      const queries = event.queries ?? started?.queries ?? null;
      const balance = event.balance ?? started?.balance ?? null;
      const total = queries !== null && balance !== null ? ` · ${balance} of ${queries + balance} left today` : '';
      // What was shown is withdrawn: the guardrail's message replaces it.
      const shown = ctx.json ? '' : blocked ? `${text === '' ? '' : '\n\n'}${BLOCKED_NOTE}\n${response}` : '';
      ctx.out(`${shown}\n\n— ${started?.model ?? ''}${total} · conversation ${started?.conversationId ?? ''}`, {
        id: started?.id,
        prompt,
        response,
        model: started?.model,
        queries,
        balance,
        usage: event.usage,
        status: event.status,
        conversationId: started?.conversationId,
        contextTurns: started?.contextTurns,
      });
    }
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      json: { type: 'boolean', default: false },
      model: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      key: { type: 'string' },
      conversation: { type: 'string' },
      'no-stream': { type: 'boolean', default: false },
      limit: { type: 'string' },
      next: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (!command) {
    (values.help ? process.stdout : process.stderr).write(help(CLI) + '\n');
    return values.help ? EXIT.ok : EXIT.usage;
  }
  if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`Unknown command "${command}". Run ${CLI} --help.`);
  if (values.help) {
    process.stdout.write(commandHelp(CLI, command) + '\n');
    return EXIT.ok;
  }
  // An unquoted prompt is still the whole prompt; any other command takes one argument at most.
  const arg = command === 'ask' ? rest.join(' ') : rest[0];
  if (command !== 'ask' && rest.length > (command === 'register' || command === 'login' ? 1 : 0)) {
    throw new UsageError(`Too many arguments for ${command}: ${rest.join(' ')}. Usage: ${CLI} ${COMMANDS[command]!.usage}`);
  }
  const endpoint = resolveEndpoint({ url: values.url, apiKey: values['api-key'] });
  situation.endpoint = endpoint;
  situation.model = values.model;
  situation.conversation = values.conversation;
  const ctx: Ctx = {
    endpoint,
    json: values.json ?? false,
    out: (text, data) => process.stdout.write((values.json ? JSON.stringify(data, null, 2) : text) + '\n'),
  };
  const number = (name: string, raw: string | undefined) => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number. Received: ${raw}`);
    return n;
  };

  switch (command) {
    case 'register': {
      if (!arg) throw new UsageError(`Usage: ${CLI} register <email>`);
      const client = await keyedClient(ctx, arg);
      const password = await readPassword('Choose a password (8+ characters): ');
      const done = await client.register(arg, password);
      ctx.out(`${done.message} (${done.email})\nNext: ${CLI} login ${done.email}`, done);
      return EXIT.ok;
    }
    case 'login': {
      if (!arg) throw new UsageError(`Usage: ${CLI} login <email>`);
      const client = await keyedClient(ctx, arg);
      const password = await readPassword('Password: ');
      const done = await client.login(arg, password);
      saveSession(endpoint.url, { email: done.email, token: done.token, expiresAt: done.expiresAt });
      const left = formatDuration((Date.parse(done.expiresAt) - Date.now()) / 1000);
      ctx.out(`Logged in as ${done.email} for ${left} (until ${done.expiresAt}).\nTry: ${CLI} ask "Hello!"`, { email: done.email, expiresAt: done.expiresAt });
      return EXIT.ok;
    }
    case 'ask': {
      if (!arg) throw new UsageError(`Usage: ${CLI} ask "<prompt>"`);
      const options = {
        model: values.model,
        maxTokens: number('max-tokens', values['max-tokens']),
        temperature: number('temperature', values.temperature),
      };
      const client = await authedClient(ctx);
      if (values['no-stream']) {
        const answer = await withSpinner('Thinking…', client.sendPrompt(arg, options, values.key, values.conversation));
        const blocked = answer.status === 'BLOCKED' ? `${BLOCKED_NOTE}\n` : '';
        ctx.out(`${blocked}${answer.response}\n\n— ${answer.model} · ${answer.balance} of ${answer.queries + answer.balance} left today · conversation ${answer.conversationId}`, answer);
        return EXIT.ok;
      }
      await streamAnswer(ctx, client, arg, options, { conversationId: values.conversation, idempotencyKey: values.key });
      return EXIT.ok;
    }
    case 'chat': {
      const options = {
        model: values.model,
        maxTokens: number('max-tokens', values['max-tokens']),
        temperature: number('temperature', values.temperature),
      };
      const client = await authedClient(ctx);
      const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      return runChat({
        client,
        send: values['no-stream'] ? blockingSender(client, options) : streamingSender(client, options),
        input: process.stdin,
        output: process.stdout,
        interactive,
        historyFile: historyPath(configPath()),
        conversationId: values.conversation,
        explain: (error) => {
          const api = asTollgateError(error);
          if (!api) return { message: `Unexpected error: ${error instanceof Error ? error.message : String(error)}`, fatal: true, code: EXIT.refused };
          // A revoked token reaches sendPrompt's own check (the authorizer may still cache it): the session is over.
          const seen = api.errorType === 'Unauthorized' ? new TollgateError(api.message, 'UnauthorizedException', null, api.status, api.errors) : api;
          const { message, code } = explain(seen as AnyTollgateError, { ...situation, endpoint });
          return { message, fatal: code === EXIT.credentials || code === EXIT.unreachable, code };
        },
      });
    }
    case 'usage': {
      const u = await (await authedClient(ctx)).myUsage();
      ctx.out(
        `${u.queries} of ${u.limit} prompts used today (${u.day}), ${u.balance} left; resets in ${until(u.resetsAt)}.\n` +
          `Tokens: ${u.inputTokens} in + ${u.outputTokens} out of ${u.tokenLimit}.`,
        u,
      );
      return EXIT.ok;
    }
    case 'history': {
      const limit = number('limit', values.limit) ?? 10;
      const page = await (await authedClient(ctx)).myPrompts(limit, values.next);
      const lines = page.items.map((p) => `${p.createdAt}  ${p.status === 'FAILED' ? '✗' : '✓'} ${p.prompt.replace(/\s+/g, ' ').slice(0, 70)}`);
      if (lines.length === 0) lines.push(values.next ? 'No more prompts.' : `No prompts yet. Try: ${CLI} ask "Hello!"`);
      if (page.nextToken) lines.push('', `More prompts: ${CLI} history${values.limit ? ` --limit ${limit}` : ''} --next ${page.nextToken}`);
      ctx.out(lines.join('\n'), page);
      return EXIT.ok;
    }
    case 'conversations': {
      const limit = number('limit', values.limit) ?? 10;
      const page = await (await authedClient(ctx)).myConversations(limit, values.next);
      const rows = [['ID', 'TURNS', 'LAST ACTIVE', 'TITLE'], ...page.items.map((c) => [c.id, String(c.turns), c.lastActiveAt.replace(/\.\d+Z$/, 'Z'), c.title.replace(/\s+/g, ' ')])];
      const lines = page.items.length === 0 ? [values.next ? 'No more conversations.' : `No conversations yet. Start one: ${CLI} chat`] : [table(rows), '', `Continue one: ${CLI} chat --conversation ID (or ${CLI} ask --conversation ID "…")`];
      if (page.nextToken) lines.push(`More conversations: ${CLI} conversations${values.limit ? ` --limit ${limit}` : ''} --next ${page.nextToken}`);
      ctx.out(lines.join('\n'), page);
      return EXIT.ok;
    }
    case 'models': {
      const models = await (await authedClient(ctx)).models();
      const rows = [['', 'ID', 'NAME'], ...models.map((m) => [m.default ? '*' : '', m.id, m.name])];
      ctx.out(`${table(rows)}\n\n* the default; pick another with ${CLI} ask --model ID "…"`, models);
      return EXIT.ok;
    }
    case 'logout-everywhere': {
      await (await authedClient(ctx)).logoutEverywhere();
      forgetSession(endpoint.url);
      ctx.out('Every session of this account has ended (within the API’s token cache time).', { ok: true });
      return EXIT.ok;
    }
    case 'logout': {
      const had = forgetSession(endpoint.url);
      ctx.out(had ? 'Forgot the token on this machine.' : 'No token was kept for this API.', { ok: true });
      return EXIT.ok;
    }
    default:
      throw new UsageError(`Unknown command "${command}". Run ${CLI} --help.`);
  }
}

/** Node's parseArgs messages in the CLI's words, with where to look. */
function usageWords(error: Error): string {
  const code = (error as { code?: string }).code;
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `Unknown option ${option}. Run ${CLI} --help for the options.`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `The option ${option} needs a value. Run ${CLI} --help for the options.`;
  return `${error.message} Run ${CLI} --help.`;
}

function fail(message: string, code: number, json: { errorType: string; errorInfo: unknown; message: string } | null): never {
  if (json && process.argv.includes('--json')) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) fail(error.message, EXIT.usage, null);
    if (String((error as { code?: unknown })?.code).startsWith('ERR_PARSE_ARGS')) fail(usageWords(error as Error), EXIT.usage, null);
    const endpoint = situation.endpoint ?? resolveEndpoint({});
    if (error instanceof CliFailure) fail(error.message, error.exitCode, { errorType: error.errorType, errorInfo: null, message: error.message });
    const api = asTollgateError(error);
    if (!api) fail(`Unexpected error: ${error instanceof Error ? error.message : String(error)}`, EXIT.refused, null);
    const { message, code } = explain(api, { ...situation, endpoint });
    fail(message, code, { errorType: api.errorType, errorInfo: api.errorInfo, message: api.message });
  },
);
