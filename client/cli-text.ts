// What the CLI says: every error as a sentence that names what was tried and what to do next,
// durations in one style, and tables whose columns line up. Pure functions, tested on their own.
import type { AnyTollgateError } from './index.ts';
import type { Endpoint } from './config.ts';

/** The CLI's exit codes, as --help and the README list them. */
export const EXIT = {
  ok: 0,
  /** The API refused: quota, validation, wrong password, email taken… */
  refused: 1,
  /** The command line is wrong: unknown command, missing argument, bad option. */
  usage: 2,
  /** The API could not be reached. */
  unreachable: 3,
  /** Credentials are missing or refused: not logged in, session ended, API key missing or wrong. */
  credentials: 4,
} as const;

/** Said before a guardrail's message, which replaces the answer shown so far. */
export const BLOCKED_NOTE = '⚠ A guardrail blocked this answer. Its message instead:';

/**
 * How the commands the CLI suggests must be typed (read when called: the web page imports this
 * module, and a browser has no `process`): `npx tollgate` (the README's way: the package
 * is not installed globally, so a bare `tollgate` is "command not found"), or `tollgate` when it
 * was run by that name from PATH (after `npm link`). `argv1` is the path node was given.
 */
export function cliName(env: NodeJS.ProcessEnv = process.env, argv1: string = process.argv[1] ?? ''): string {
  if (env.npm_command === 'exec') return 'npx tollgate';
  return /(^|[/\\])tollgate$/.test(argv1) ? 'tollgate' : 'npx tollgate';
}

/** "45 s", "14 min 30 s", "3 h 12 min": one style for every duration the CLI prints. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.ceil(totalSeconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const rest = s % 60;
    return `${Math.floor(s / 60)} min${rest ? ` ${rest} s` : ''}`;
  }
  let hours = Math.floor(s / 3600);
  let minutes = Math.ceil((s % 3600) / 60);
  if (minutes === 60) {
    hours += 1;
    minutes = 0;
  }
  return `${hours} h${minutes ? ` ${minutes} min` : ''}`;
}

export function until(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  return Number.isFinite(ms) ? formatDuration(ms / 1000) : 'a moment';
}

/** Rows of cells as text with every column padded to its widest cell. */
export function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
  ETIMEDOUT: 'no answer in time',
  ECONNRESET: 'the connection was cut',
  EHOSTUNREACH: 'the host is unreachable',
};

/** Where to go from an unreachable API, depending on where its URL came from. */
export function unreachable(endpoint: Endpoint, code: string | null): string {
  const why = code ? `${REASONS[code] ?? 'the connection failed'} (${code})` : 'the connection failed';
  const next =
    endpoint.source === '--url' || endpoint.source === 'TOLLGATE_URL'
      ? `Check ${endpoint.source}: a deployed stack's URL is its GraphQLUrl output; the local API's is http://localhost:4000/graphql unless PORT says otherwise.`
      : `Start the local API with npm start in the Tollgate folder (it prints its URL), or point at a running one with --url URL --api-key KEY (or TOLLGATE_URL and TOLLGATE_API_KEY).`;
  return `Cannot reach the Tollgate API at ${endpoint.url} (${endpoint.source}): ${why}.\n${next}`;
}

const API_KEY_HELP =
  'Pass --api-key KEY or set TOLLGATE_API_KEY: the local API prints its key at start and keeps it in .tollgate/data/api-key; ' +
  "a deployed stack's comes from aws appsync list-api-keys --api-id <ApiId>.";

export function missingApiKey(endpoint: Endpoint): string {
  return `No API key for ${endpoint.url} (${endpoint.source}). ${API_KEY_HELP}`;
}

export function notLoggedIn(endpoint: Endpoint): string {
  return `You are not logged in to ${endpoint.url} (${endpoint.source}). Run: ${cliName()} login <email>`;
}

/** Turns an API field path into the CLI's words: options.maxTokens is --max-tokens. */
const FLAGS: Record<string, string> = { 'options.maxTokens': '--max-tokens', 'options.temperature': '--temperature', idempotencyKey: '--key', limit: '--limit', nextToken: '--next' };

export interface Explained {
  message: string;
  code: (typeof EXIT)[keyof typeof EXIT];
}

/** What to tell a person about an error from the SDK, and the exit code for it. */
export function explain(error: AnyTollgateError, context: { endpoint: Endpoint; usesApiKey: boolean; email?: string; model?: string; conversation?: string }): Explained {
  const { endpoint } = context;
  const refused = (message: string): Explained => ({ message, code: EXIT.refused });
  switch (error.errorType) {
    case 'NetworkError':
      return { message: unreachable(endpoint, error.errorInfo.code), code: EXIT.unreachable };
    case 'ClientError':
      return { message: error.errorInfo.missing === 'apiKey' ? missingApiKey(endpoint) : notLoggedIn(endpoint), code: EXIT.credentials };
    case 'UnauthorizedException':
      return context.usesApiKey
        ? { message: `The API key was refused by ${endpoint.url}. ${API_KEY_HELP}`, code: EXIT.credentials }
        : { message: `Your session with ${endpoint.url} has ended (it expired, or logout-everywhere ended it). Run: ${cliName()} login ${context.email ?? '<email>'}`, code: EXIT.credentials };
    case 'Unauthorized':
      return refused('That operation is not allowed with these credentials.');
    case 'ValidationError': {
      const field = error.errorInfo?.field;
      if (field === 'options.model') return refused(`The model "${context.model ?? ''}" is not available to you. Run: ${cliName()} models`);
      const flag = field ? FLAGS[field] : undefined;
      const name = field?.replace(/^options\./, '');
      return refused(flag && name && error.message.startsWith(name) ? flag + error.message.slice(name.length) : error.message);
    }
    case 'EmailTaken':
      return refused(`An account with this email already exists. Run: ${cliName()} login ${context.email ?? '<email>'}`);
    case 'InvalidCredentials':
      return refused('The email or password is not correct.');
    case 'TooManyAttempts':
      return refused(`Too many failed logins for this email. Try again in ${formatDuration(error.errorInfo?.retryAfterSeconds ?? 60)}.`);
    case 'RateLimited':
      return refused(`Slow down: try again in ${formatDuration(error.errorInfo?.retryAfterSeconds ?? 1)}.`);
    case 'QuotaExceeded': {
      const info = error.errorInfo;
      if (!info) return refused(error.message);
      return refused(
        info.kind === 'tokens'
          ? `Today's token budget is used up (${info.used} of ${info.limit} tokens). It resets in ${until(info.resetsAt)}.`
          : `You have used all ${info.limit} prompts for today. The quota resets in ${until(info.resetsAt)}.`,
      );
    }
    case 'ModelError':
      return refused(`${error.message} ${error.errorInfo?.retryable === false ? 'Retrying will not help.' : 'Try again in a moment.'}`);
    case 'NotFound':
      // The only NotFound a CLI command can meet is a conversation it named.
      return refused(context.conversation ? `${error.message} Your conversations: ${cliName()} conversations` : error.message);
    case 'InternalError':
      return refused(error.message);
    case 'UnknownError':
      return refused(`${error.message}${error.errorInfo.errorType ? ` [${error.errorInfo.errorType}]` : ''}`);
  }
}
