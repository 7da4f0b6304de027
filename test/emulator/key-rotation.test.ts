// Rotating the JWT signing secret: tokens signed with the previous value keep working, and warm
// authorizer containers pick up the new value when a token names it (at most once a minute).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecretsManager, type LocalSecretsManager } from '../../emulator/local/secrets-manager.ts';
import { issueToken, signingKey, verifyToken } from '../../functions/commons/tokens.ts';

const settings = { issuer: 'tollgate-test', audience: 'tollgate-test-api' };
const OLD = 'o'.repeat(64);
const NEW = 'n'.repeat(64);
let sm: LocalSecretsManager;
let arn: string;
const saved = { ...process.env };

beforeAll(async () => {
  sm = await startSecretsManager({ file: join(mkdtempSync(join(tmpdir(), 'rotation-')), 'secrets.json') });
  ({ arn } = await sm.putSecret('rotation-test', OLD));
  // The functions' code reaches Secrets Manager through the SDK's standard settings only.
  Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
});

afterAll(async () => {
  process.env = saved;
  await sm?.close();
});

describe('a key rotation', () => {
  it('keeps old tokens valid and makes new ones valid in a warm container within a minute', async () => {
    const { keys, keysIncluding } = await import('../../functions/commons/keys.ts');
    const before = await keys(arn);
    expect(before.map((k) => k.kid)).toEqual([signingKey(OLD).kid]);
    const oldToken = (await issueToken(before[0]!, settings, { sub: 'u', email: 'a@example.com', tokenVersion: 0 }, 600)).token;

    const client = new SecretsManagerClient({});
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: NEW }));
    client.destroy();
    const newKey = signingKey(NEW);
    const newToken = (await issueToken(newKey, settings, { sub: 'u', email: 'a@example.com', tokenVersion: 0 }, 600)).token;

    // Just loaded: an unknown kid does not trigger another read yet.
    const soon = await keysIncluding(arn, newKey.kid);
    expect(soon.map((k) => k.kid)).toEqual([signingKey(OLD).kid]);
    await expect(verifyToken(newToken, soon, settings)).rejects.toMatchObject({ reason: 'unknown kid' });

    // A minute on, it re-reads: the new value signs, the previous one still verifies.
    const later = await keysIncluding(arn, newKey.kid, Date.now() + 61_000);
    expect(later.map((k) => k.kid)).toEqual([newKey.kid, signingKey(OLD).kid]);
    await expect(verifyToken(newToken, later, settings)).resolves.toMatchObject({ sub: 'u' });
    await expect(verifyToken(oldToken, later, settings)).resolves.toMatchObject({ sub: 'u' });
  });
});
