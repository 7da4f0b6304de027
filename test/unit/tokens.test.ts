import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueToken, signingKey, TokenError, verifyToken } from '../../functions/commons/tokens.ts';

const settings = { issuer: 'tollgate-test', audience: 'tollgate-test-api' };
const key = signingKey('k'.repeat(64));
const other = signingKey('o'.repeat(64));
const claims = { sub: 'user-1', email: 'a@example.com', tokenVersion: 0 };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function reason(token: string, keys = [key]): Promise<string> {
  try {
    await verifyToken(token, keys, settings);
    return 'accepted';
  } catch (error) {
    if (error instanceof TokenError) return error.reason;
    throw error;
  }
}

/** Builds a token by hand, signed HS256 with the given key, for headers jose would not write. */
function handMade(header: Record<string, unknown>, payload: Record<string, unknown>, secret: KeyObject = key.key): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);
const goodPayload = () => ({ ...settings, iss: settings.issuer, aud: settings.audience, sub: 'user-1', email: 'a@example.com', tokenVersion: 0, iat: now(), exp: now() + 600 });

describe('tokens', () => {
  it('round-trip: what login issues the authorizer accepts', async () => {
    const { token, expiresAt } = await issueToken(key, settings, claims, 3600);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    await expect(verifyToken(token, [key], settings)).resolves.toMatchObject({ sub: 'user-1', email: 'a@example.com', tokenVersion: 0 });
  });

  it('refuse keys shorter than 256 bits', () => {
    expect(() => signingKey('short')).toThrow(/at least 32 bytes/);
  });

  it('keep working during a key rotation, with the previous key', async () => {
    const { token } = await issueToken(other, settings, claims, 3600);
    expect(await reason(token, [key, other])).toBe('accepted');
    expect(await reason(token, [key])).toBe('unknown kid');
  });

  it('reject alg none, HS512 and RS256 headers', async () => {
    const payload = goodPayload();
    expect(await reason(`${b64({ alg: 'none', kid: key.kid })}.${b64(payload)}.`)).toMatch(/algorithm none/);
    expect(await reason(handMade({ alg: 'HS512', kid: key.kid }, payload))).toMatch(/algorithm HS512/);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(privateKey);
    expect(await reason(rs)).toMatch(/algorithm RS256/);
  });

  it('reject a token signed with another key under our kid, and tampered payloads or signatures', async () => {
    expect(await reason(handMade({ alg: 'HS256', kid: key.kid }, goodPayload(), other.key))).toBe('bad signature');
    const { token } = await issueToken(key, settings, claims, 3600);
    const [h, , s] = token.split('.');
    expect(await reason(`${h}.${b64({ ...goodPayload(), sub: 'admin' })}.${s}`)).toBe('bad signature');
    expect(await reason(`${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`)).toBe('bad signature');
  });

  it('reject wrong issuer, wrong audience, expiry, future nbf and missing claims', async () => {
    const sign = (payload: Record<string, unknown>) => handMade({ alg: 'HS256', kid: key.kid }, payload);
    expect(await reason(sign({ ...goodPayload(), iss: 'someone-else' }))).toMatch(/claim iss/);
    expect(await reason(sign({ ...goodPayload(), aud: 'other-api' }))).toMatch(/claim aud/);
    expect(await reason(sign({ ...goodPayload(), exp: now() - 120 }))).toBe('expired');
    expect(await reason(sign({ ...goodPayload(), nbf: now() + 600 }))).toMatch(/claim nbf/);
    const { exp: _exp, ...noExp } = goodPayload();
    expect(await reason(sign(noExp))).toMatch(/claim exp/);
    const { sub: _sub, ...noSub } = goodPayload();
    expect(await reason(sign(noSub))).toMatch(/claim sub/);
    expect(await reason(sign({ ...goodPayload(), tokenVersion: undefined }))).toBe('claims missing');
  });

  it('reject jku, jwk and x5u headers, and oversized or malformed tokens', async () => {
    expect(await reason(handMade({ alg: 'HS256', kid: key.kid, jku: 'https://evil.example/keys' }, goodPayload()))).toMatch(/key-bearing/);
    expect(await reason(handMade({ alg: 'HS256', kid: key.kid, jwk: { kty: 'oct', k: 'AA' } }, goodPayload()))).toMatch(/key-bearing/);
    expect(await reason('a'.repeat(3000))).toBe('too long');
    expect(await reason('not-a-jwt')).toBe('malformed');
  });
});
