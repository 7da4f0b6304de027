// `npx tollgate …`: register, log in, ask, and look at your usage and history from a terminal.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createClient, TollgateError, type TollgateClient } from './index.ts';
import { forgetSession, loadSession, resolveEndpoint, saveSession, type Endpoint } from './config.ts';

const HELP = `Tollgate: chat with a model behind a quota.

Usage: tollgate <command> [options]

  register <email>          create an account (asks for a password)
  login <email>             log in; the token is kept in ~/.config/tollgate (only you can read it)
  ask "<prompt>"            send a prompt    [--model ID] [--max-tokens N] [--temperature T] [--key IDEMPOTENCY_KEY]
  usage                     today's prompts and tokens
  history                   your recent prompts    [--limit N]
  models                    the models you may use
  logout-everywhere         end every session of this account, on every device
  logout                    forget the token on this machine
  evaluate-code             run a resolver handler offline, as AppSync's EvaluateCode (--help)

Options:
  --url URL                 the API (default: the running local API, else TOLLGATE_URL)
  --api-key KEY             the API key for register/login (default: TOLLGATE_API_KEY or the local API's)
  --json                    machine-readable output
  -h, --help

The password is read from TOLLGATE_PASSWORD, from standard input when it is not a terminal,
or asked for without echo.`;

/** Known once the arguments are parsed, so errors can say which API was unreachable. */
let endpointInUse: Endpoint | undefined;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Ctx {
  endpoint: Endpoint;
  json: boolean;
  out(text: string, data: unknown): void;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function untilText(iso: string): string {
  const ms = Date.parse(iso) - Date.now();
  if (!Number.isFinite(ms) || ms <= 0) return 'now';
  const minutes = Math.ceil(ms / 60000);
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : plural(minutes, 'minute');
}

/** A message a person can act on, for every errorType the API can answer with. */
export function friendly(error: TollgateError, endpoint: Endpoint): string {
  const info = error.errorInfo ?? {};
  switch (error.errorType) {
    case 'UnauthorizedException':
      return 'You are not logged in, or your session has ended. Run: tollgate login <email>';
    case 'Unauthorized':
      return 'That operation is not allowed with these credentials.';
    case 'ClientError':
      return error.message.includes('token') ? 'You are not logged in. Run: tollgate login <email>' : error.message;
    case 'ValidationError':
      return `${error.message}${info.field ? ` (${String(info.field)})` : ''}`;
    case 'EmailTaken':
      return 'An account with this email already exists. Run: tollgate login <email>';
    case 'InvalidCredentials':
      return 'The email or password is not correct.';
    case 'TooManyAttempts':
      return `Too many failed logins for this email. Try again in ${plural(Number(info.retryAfterSeconds ?? 60), 'second')}.`;
    case 'RateLimited':
      return `Slow down: try again in ${plural(Number(info.retryAfterSeconds ?? 1), 'second')}.`;
    case 'QuotaExceeded':
      return info.kind === 'tokens'
        ? `Today's token budget is used up (${String(info.used)} of ${String(info.limit)}). It resets in ${untilText(String(info.resetsAt))}.`
        : `You have used all ${String(info.limit)} prompts for today. The quota resets in ${untilText(String(info.resetsAt))}.`;
    case 'ModelError':
      return `${error.message}${info.retryable ? '' : ' (retrying will not help)'}`;
    case 'NotFound':
      return error.message;
    case 'NetworkError':
      return `Cannot reach ${endpoint.url} (${endpoint.source}). Is the API running? Start it with: npm start`;
    default:
      return `${error.message}${error.errorType ? ` [${error.errorType}]` : ''}`;
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

function authedClient(ctx: Ctx): TollgateClient {
  const session = loadSession(ctx.endpoint.url);
  return createClient({ url: ctx.endpoint.url, apiKey: ctx.endpoint.apiKey, token: session?.token });
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
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP + '\n');
    return command || values.help ? 0 : 2;
  }
  const endpoint = resolveEndpoint({ url: values.url, apiKey: values['api-key'] });
  endpointInUse = endpoint;
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
      if (!arg) throw new UsageError('Usage: tollgate register <email>');
      const password = await readPassword('Choose a password (8+ characters): ');
      const client = createClient({ url: endpoint.url, apiKey: endpoint.apiKey });
      const done = await client.register(arg, password);
      ctx.out(`${done.message} (${done.email})\nNext: tollgate login ${done.email}`, done);
      return 0;
    }
    case 'login': {
      if (!arg) throw new UsageError('Usage: tollgate login <email>');
      const password = await readPassword('Password: ');
      const client = createClient({ url: endpoint.url, apiKey: endpoint.apiKey });
      const done = await client.login(arg, password);
      saveSession(endpoint.url, { email: done.email, token: done.token, expiresAt: done.expiresAt });
      ctx.out(`Logged in as ${done.email} until ${done.expiresAt}.\nTry: tollgate ask "Hello!"`, { email: done.email, expiresAt: done.expiresAt });
      return 0;
    }
    case 'ask': {
      if (!arg) throw new UsageError('Usage: tollgate ask "<prompt>"');
      const options = {
        model: values.model,
        maxTokens: number('max-tokens', values['max-tokens']),
        temperature: number('temperature', values.temperature),
      };
      const answer = await withSpinner('Thinking…', authedClient(ctx).sendPrompt(arg, options, values.key));
      ctx.out(`${answer.response}\n\n— ${answer.model} · ${answer.balance} of ${answer.queries + answer.balance} left today`, answer);
      return 0;
    }
    case 'usage': {
      const u = await authedClient(ctx).myUsage();
      ctx.out(
        `${u.queries} of ${u.limit} prompts used today (${u.day}), ${u.balance} left; resets in ${untilText(u.resetsAt)}.\n` +
          `Tokens: ${u.inputTokens} in + ${u.outputTokens} out of ${u.tokenLimit}.`,
        u,
      );
      return 0;
    }
    case 'history': {
      const page = await authedClient(ctx).myPrompts(number('limit', values.limit) ?? 10);
      const lines = page.items.map((p) => `${p.createdAt}  ${p.status === 'FAILED' ? '✗' : '✓'} ${p.prompt.replace(/\s+/g, ' ').slice(0, 70)}`);
      ctx.out(lines.length ? lines.join('\n') : 'No prompts yet. Try: tollgate ask "Hello!"', page);
      return 0;
    }
    case 'models': {
      const models = await authedClient(ctx).models();
      ctx.out(models.map((m) => `${m.default ? '*' : ' '} ${m.id}  ${m.name}`).join('\n'), models);
      return 0;
    }
    case 'logout-everywhere': {
      await authedClient(ctx).logoutEverywhere();
      forgetSession(endpoint.url);
      ctx.out('Every session of this account has ended (within the API’s token cache time).', { ok: true });
      return 0;
    }
    case 'logout': {
      const had = forgetSession(endpoint.url);
      ctx.out(had ? 'Forgot the token on this machine.' : 'No token was kept for this API.', { ok: true });
      return 0;
    }
    default:
      throw new UsageError(`Unknown command "${command}". Run tollgate --help.`);
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const endpoint = endpointInUse ?? resolveEndpoint({});
    if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(2);
    }
    const api =
      error instanceof TollgateError
        ? error
        : new TollgateError((error as Error)?.message ?? String(error), 'NetworkError', null, 0, []);
    const json = process.argv.includes('--json');
    if (json) process.stdout.write(JSON.stringify({ errorType: api.errorType, errorInfo: api.errorInfo, message: api.message }, null, 2) + '\n');
    process.stderr.write(`${friendly(api, endpoint)}\n`);
    process.exit(api.errorType === 'NetworkError' ? 3 : 1);
  },
);
