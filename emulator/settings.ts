// The emulator's own settings from the environment, shared by `npm start` and `npm run dev`, and
// the list of every TOLLGATE_* name, so a misspelt one is named at start instead of ignored.
import { join } from 'node:path';
import type { RealtimeSettings } from './realtime/index.ts';
import { DEFAULT_PACE, parsePace } from './local/bedrock.ts';
import { dynamoDbBackend } from './local/dynamodb-backend.ts';
import { FaultPlan, parseFaults } from './faults/plan.ts';
import type { HttpPolicy } from './appsync/http.ts';
import type { EmulatorOptions } from './start.ts';
import { ROOT, stackSettingNames } from './synth.ts';

/** TOLLGATE_* names read outside infra/config.ts: by the emulator, the CLI and the tests. */
export const LOCAL_SETTINGS: Readonly<Record<string, string>> = {
  TOLLGATE_DATA_DIR: 'the local data folder',
  TOLLGATE_API_KEY: 'the local API key (or the API key the CLI sends)',
  TOLLGATE_CDK_OUT: 'the cloud assembly the emulator serves',
  TOLLGATE_BEDROCK_REGION: 'hybrid mode: the real Bedrock in this region',
  TOLLGATE_LOCAL_MODEL_URL: 'an OpenAI-compatible model server instead of the dev model',
  TOLLGATE_LOCAL_MODEL: 'the model name on that server',
  TOLLGATE_LOCAL_MODEL_API_KEY: 'its API key',
  TOLLGATE_DEV_MODEL_PACE: 'how fast the dev model streams: <firstTokenMs>:<tokensPerSecond> (400:80 by default)',
  TOLLGATE_ALLOWED_HOSTS: 'host names the API answers besides localhost and IP addresses',
  TOLLGATE_CORS_ORIGINS: 'browser origins allowed to call the API',
  TOLLGATE_DYNAMODB: 'the local DynamoDB: dynalite (default) or dynamodb-local (AWS’s, needs Java)',
  TOLLGATE_WAF: 'on (default) or off: apply the template’s web ACL locally',
  TOLLGATE_IAM: 'on (default) or off: enforce the template’s IAM policies on data sources and on functions’ calls to the local services',
  TOLLGATE_FAULTS: 'faults to inject into the local AWS services (emulator/faults/plan.ts), e.g. dynamodb.ThrottlingException@UsageTable=0.1',
  TOLLGATE_FAULTS_SEED: 'the seed of the fault generator, to replay a run',
  TOLLGATE_REALTIME_KEEPALIVE_MS: 'real-time keep-alive interval',
  TOLLGATE_REALTIME_CONNECTION_TIMEOUT_MS: 'real-time connection timeout sent in connection_ack',
  TOLLGATE_REALTIME_MAX_SUBSCRIPTIONS: 'real-time subscriptions per connection',
  TOLLGATE_REALTIME_MAX_PAYLOAD_BYTES: 'largest real-time message',
  TOLLGATE_URL: 'the API the CLI talks to',
  TOLLGATE_PASSWORD: 'the password the CLI sends',
  TOLLGATE_CHAOS_SEED: 'the seed npm run test:chaos injects faults with, to replay a run',
  TOLLGATE_E2E_URL: 'the deployed API the e2e tests run against',
  TOLLGATE_E2E_API_KEY: 'its API key',
};

export function knownSettingNames(): Set<string> {
  return new Set([...stackSettingNames(), ...Object.keys(LOCAL_SETTINGS)]);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** One warning per TOLLGATE_* variable that no part of Tollgate reads, with the closest known name. */
export function unknownSettingWarnings(env: NodeJS.ProcessEnv = process.env): string[] {
  const known = knownSettingNames();
  return Object.keys(env)
    .filter((name) => name.startsWith('TOLLGATE_') && !known.has(name))
    .sort()
    .map((name) => {
      const [closest] = [...known].sort((a, b) => editDistance(name, a) - editDistance(name, b));
      const near = closest !== undefined && editDistance(name, closest) <= Math.max(3, Math.floor(name.length / 4));
      return `${name} is not a Tollgate setting and is ignored.${near ? ` Did you mean ${closest}?` : ''}`;
    });
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function httpPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): HttpPolicy {
  const corsOrigins = list(env.TOLLGATE_CORS_ORIGINS).map((o) => o.replace(/\/$/, ''));
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new Error(`TOLLGATE_CORS_ORIGINS lists origins like http://localhost:5173, separated by commas. Received: ${JSON.stringify(origin)}`);
    }
  }
  const allowedHosts = list(env.TOLLGATE_ALLOWED_HOSTS).map((h) => h.toLowerCase());
  for (const host of allowedHosts) {
    if (!/^[a-z0-9.-]+$/.test(host)) throw new Error(`TOLLGATE_ALLOWED_HOSTS lists host names without scheme or port, separated by commas. Received: ${JSON.stringify(host)}`);
  }
  return { allowedHosts, corsOrigins };
}

/** Real-time settings that `npm start` reads (AppSync's values when unset). */
const REALTIME_VARIABLES: Record<string, keyof RealtimeSettings> = {
  TOLLGATE_REALTIME_KEEPALIVE_MS: 'keepAliveIntervalMs',
  TOLLGATE_REALTIME_CONNECTION_TIMEOUT_MS: 'connectionTimeoutMs',
  TOLLGATE_REALTIME_MAX_SUBSCRIPTIONS: 'maxSubscriptionsPerConnection',
  TOLLGATE_REALTIME_MAX_PAYLOAD_BYTES: 'maxPayloadBytes',
};

function realtimeFromEnv(env: NodeJS.ProcessEnv): Partial<RealtimeSettings> {
  const out: Partial<RealtimeSettings> = {};
  for (const [name, key] of Object.entries(REALTIME_VARIABLES)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number. Received: ${raw}`);
    out[key] = value;
  }
  return out;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): EmulatorOptions {
  const port = env.PORT ? Number(env.PORT) : 4000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number. Received: ${env.PORT}`);
  return {
    cdkOut: env.TOLLGATE_CDK_OUT ?? join(ROOT, 'cdk.out'),
    dataDir: env.TOLLGATE_DATA_DIR ?? join(ROOT, '.tollgate', 'data'),
    port,
    host: env.HOST || '127.0.0.1',
    apiKey: env.TOLLGATE_API_KEY,
    bedrockRegion: env.TOLLGATE_BEDROCK_REGION,
    dynamodb: dynamoDbBackend(env.TOLLGATE_DYNAMODB),
    waf: onOff('TOLLGATE_WAF', env.TOLLGATE_WAF),
    iam: onOff('TOLLGATE_IAM', env.TOLLGATE_IAM),
    localModel: env.TOLLGATE_LOCAL_MODEL_URL ? { url: env.TOLLGATE_LOCAL_MODEL_URL, model: env.TOLLGATE_LOCAL_MODEL, apiKey: env.TOLLGATE_LOCAL_MODEL_API_KEY } : undefined,
    realtime: realtimeFromEnv(env),
    devModelPace: parsePace(env.TOLLGATE_DEV_MODEL_PACE || `${DEFAULT_PACE.firstTokenMs}:${DEFAULT_PACE.tokensPerSecond}`),
    http: httpPolicyFromEnv(env),
    faultPlan: faultPlanFromEnv(env),
  };
}

/** TOLLGATE_FAULTS (and its seed) as a fault plan, or none. */
export function faultPlanFromEnv(env: NodeJS.ProcessEnv): FaultPlan | undefined {
  if (!env.TOLLGATE_FAULTS) return undefined;
  const seed = env.TOLLGATE_FAULTS_SEED ? Number(env.TOLLGATE_FAULTS_SEED) : undefined;
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`TOLLGATE_FAULTS_SEED must be a whole number. Received: ${env.TOLLGATE_FAULTS_SEED}`);
  return new FaultPlan(parseFaults(env.TOLLGATE_FAULTS), seed);
}

/**
 * A setting that is on unless set to off: TOLLGATE_WAF=off stops applying the template's web ACL
 * (everything local comes from one address), TOLLGATE_IAM=off stops enforcing its IAM policies.
 */
function onOff(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${name} must be on or off. Received: ${value}`);
}

/**
 * Whether TOLLGATE_LOCAL_MODEL_URL answers at all (any HTTP status will do): a server that is not
 * running shows at start, not as a ModelError on the first prompt.
 */
export async function localModelWarning(url: string | undefined, timeoutMs = 2000): Promise<string | null> {
  if (!url) return null;
  if (!/^https?:\/\//.test(url) || !URL.canParse(url)) return `TOLLGATE_LOCAL_MODEL_URL is not a URL (like http://localhost:11434/v1). Received: ${JSON.stringify(url)}`;
  try {
    await fetch(new URL('models', url.endsWith('/') ? url : url + '/'), { signal: AbortSignal.timeout(timeoutMs) }).then((r) => r.body?.cancel());
    return null;
  } catch (error) {
    const reason = (error as { cause?: { code?: string; message?: string } }).cause;
    const cause = reason?.code ?? reason?.message ?? (error as Error).message;
    return `TOLLGATE_LOCAL_MODEL_URL ${url} does not answer (${cause}). Prompts will fail with ModelError until it does: start the model server (for Ollama: ollama serve), or unset TOLLGATE_LOCAL_MODEL_URL to use the dev model.`;
  }
}

/** The Node.js lines package.json's engines field names; anything else gets a warning at start. */
export function nodeVersionWarning(version: string = process.versions.node): string | null {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if ((major === 22 && minor >= 15) || major === 24 || major === 26) return null;
  return `Node.js ${version} is not supported: use Node.js 22 (22.15 or later), 24 or 26.${major < 22 ? ' Node.js 20 reached end of life on 2026-04-30.' : ''}`;
}
