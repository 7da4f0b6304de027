// The signing keys: the secret's current value and, during a rotation, its previous one.
// Read once per cold start, never logged.
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { secrets } from './clients.ts';
import { signingKey, type SigningKey } from './tokens.ts';

let loading: Promise<SigningKey[]> | undefined;

async function read(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<SigningKey | undefined> {
  try {
    const out = await secrets().send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    return out.SecretString ? signingKey(out.SecretString) : undefined;
  } catch (error) {
    if (stage === 'AWSPREVIOUS' && error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** keys()[0] signs; every entry verifies. */
export function keys(secretId: string): Promise<SigningKey[]> {
  loading ??= Promise.all([read(secretId, 'AWSCURRENT'), read(secretId, 'AWSPREVIOUS')])
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
