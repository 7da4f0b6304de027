// The emulator's own settings from the environment, shared by `npm start` and `npm run dev`.
import { join } from 'node:path';
import type { RealtimeSettings } from './realtime/index.ts';
import { dynamoDbBackend } from './local/dynamodb-backend.ts';
import type { EmulatorOptions } from './start.ts';
import { ROOT } from './synth.ts';

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
    host: env.HOST ?? '127.0.0.1',
    apiKey: env.TOLLGATE_API_KEY,
    bedrockRegion: env.TOLLGATE_BEDROCK_REGION,
    dynamodb: dynamoDbBackend(env.TOLLGATE_DYNAMODB),
    waf: wafSetting(env.TOLLGATE_WAF),
    localModel: env.TOLLGATE_LOCAL_MODEL_URL ? { url: env.TOLLGATE_LOCAL_MODEL_URL, model: env.TOLLGATE_LOCAL_MODEL, apiKey: env.TOLLGATE_LOCAL_MODEL_API_KEY } : undefined,
    realtime: realtimeFromEnv(env),
  };
}

/** TOLLGATE_WAF=off stops applying the template's web ACL (everything local comes from one address). */
function wafSetting(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`TOLLGATE_WAF must be on or off. Received: ${value}`);
}
