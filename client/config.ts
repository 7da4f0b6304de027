// Where the CLI finds the API (flags, env, or the running local emulator) and keeps its tokens:
// one file per OS user, readable only by that user.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { processRunning } from '../emulator/lock.ts';

export interface Session {
  email: string;
  token: string;
  expiresAt: string;
}

interface ConfigFile {
  sessions: Record<string, Session>;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'tollgate', 'config.json');
}

function read(path: string): ConfigFile {
  if (!existsSync(path)) return { sessions: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ConfigFile>;
    return { sessions: parsed.sessions ?? {} };
  } catch {
    return { sessions: {} };
  }
}

/** Writes atomically with mode 0600 in a 0700 folder: the file holds bearer tokens. */
function write(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function loadSession(url: string, env?: NodeJS.ProcessEnv): Session | undefined {
  const session = read(configPath(env)).sessions[url];
  if (!session) return undefined;
  return Date.parse(session.expiresAt) > Date.now() ? session : undefined;
}

export function saveSession(url: string, session: Session, env?: NodeJS.ProcessEnv): void {
  const path = configPath(env);
  const config = read(path);
  config.sessions[url] = session;
  write(path, config);
}

export function forgetSession(url: string, env?: NodeJS.ProcessEnv): boolean {
  const path = configPath(env);
  const config = read(path);
  const had = url in config.sessions;
  delete config.sessions[url];
  write(path, config);
  return had;
}

export interface Endpoint {
  url: string;
  apiKey: string | undefined;
  source: string;
}

/** The local emulator's runtime file, looked for from the current folder upwards. */
function runningEmulator(env: NodeJS.ProcessEnv): { graphqlUrl: string; apiKey: string; file: string } | undefined {
  const candidates: string[] = [];
  if (env.TOLLGATE_DATA_DIR) candidates.push(join(resolve(env.TOLLGATE_DATA_DIR), 'emulator.json'));
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    candidates.push(join(dir, '.tollgate', 'data', 'emulator.json'));
    if (dirname(dir) === dir) break;
  }
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      const info = JSON.parse(readFileSync(file, 'utf8')) as { graphqlUrl: string; apiKey: string; pid?: number };
      // A file left by an emulator that was killed names an API that is gone.
      if (typeof info.pid === 'number' && !processRunning(info.pid)) continue;
      return { graphqlUrl: info.graphqlUrl, apiKey: info.apiKey, file };
    } catch {
      continue;
    }
  }
  return undefined;
}

export function resolveEndpoint(flags: { url?: string; apiKey?: string }, env: NodeJS.ProcessEnv = process.env): Endpoint {
  const url = flags.url ?? env.TOLLGATE_URL;
  const apiKey = flags.apiKey ?? env.TOLLGATE_API_KEY;
  if (url) return { url, apiKey, source: flags.url ? '--url' : 'TOLLGATE_URL' };
  const local = runningEmulator(env);
  if (local) return { url: local.graphqlUrl, apiKey: apiKey ?? local.apiKey, source: `the local API (${local.file})` };
  return { url: 'http://localhost:4000/graphql', apiKey, source: 'the default local address' };
}
