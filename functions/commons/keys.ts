// The signing keys: the secret's current value and, during a rotation, its previous one.
// Read once per cold start and never logged; re-read (at most once a minute) when a token names
// a key this container has not seen, so warm containers pick up a rotation.
// GetSecretValue goes through the small signed client (aws-json.ts), not the SDK: this module is on
// the authorizer's cold path.
import { AwsServiceError, jsonService, type JsonCall } from './aws-json.ts';
import { signingKey, type SigningKey } from './tokens.ts';

const REFRESH_INTERVAL_MS = 60_000;

let call: JsonCall | undefined;
/** Created on first use, from the environment at that time. */
const secretsManager = (): JsonCall =>
  (call ??= jsonService({ service: 'secretsmanager', endpointId: 'SECRETS_MANAGER', targetPrefix: 'secretsmanager', jsonVersion: '1.1' }));

let loading: Promise<SigningKey[]> | undefined;
let loadedAt = 0;

async function read(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS', deadlineMs?: number): Promise<SigningKey | undefined> {
  try {
    const out = await secretsManager()<{ SecretString?: string }>('GetSecretValue', { SecretId: secretId, VersionStage: stage }, { deadlineMs });
    return out.SecretString ? signingKey(out.SecretString) : undefined;
  } catch (error) {
    if (stage === 'AWSPREVIOUS' && error instanceof AwsServiceError && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function load(secretId: string, deadlineMs?: number): Promise<SigningKey[]> {
  loadedAt = Date.now();
  loading = Promise.all([read(secretId, 'AWSCURRENT', deadlineMs), read(secretId, 'AWSPREVIOUS', deadlineMs)])
    .then(([current, previous]) => {
      if (!current) throw new Error('The signing secret has no current value');
      return previous && previous.kid !== current.kid ? [current, previous] : [current];
    })
    .catch((error: unknown) => {
      loading = undefined; // let the next invocation try again
      throw error;
    });
  return loading;
}

/** keys()[0] signs; every entry verifies. A failed read is tried again by the next call. */
export function keys(secretId: string, deadlineMs?: number): Promise<SigningKey[]> {
  return loading ?? load(secretId, deadlineMs);
}

/**
 * The keys again, re-read if this container has not seen `kid` and has not re-read recently;
 * the interval keeps tokens with made-up kids from turning into Secrets Manager calls.
 */
export async function keysIncluding(secretId: string, kid: string | undefined, now = Date.now(), deadlineMs?: number): Promise<SigningKey[]> {
  const known = await keys(secretId, deadlineMs);
  if (kid === undefined || known.some((k) => k.kid === kid) || now - loadedAt < REFRESH_INTERVAL_MS) return known;
  return load(secretId, deadlineMs);
}
