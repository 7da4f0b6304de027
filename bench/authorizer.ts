// Token verifications per second in the authorizer's code path: functions/commons/tokens.ts's
// verifyToken with the signing key read once (as keys() does per cold start), one thread, one
// token. Alongside, the same checks through jose with the key imported once as a CryptoKey, to
// show what the per-call HMAC key import in verifyToken costs.
import { performance } from 'node:perf_hooks';
import { jwtVerify } from 'jose';
import { ALGORITHM, CLOCK_TOLERANCE_SECONDS, issueToken, signingKey, verifyToken } from '../functions/commons/tokens.ts';
import { round } from './stats.ts';

export interface VerifyRate {
  variant: string;
  verifications: number;
  seconds: number;
  perSecond: number;
  microsecondsEach: number;
}

export interface AuthorizerThroughput {
  tokenBytes: number;
  rates: VerifyRate[];
}

async function measure(variant: string, maxCount: number, maxMs: number, verify: () => Promise<unknown>): Promise<VerifyRate> {
  for (let i = 0; i < 500; i++) await verify(); // JIT warm-up
  let n = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  while (n < maxCount && performance.now() < deadline) {
    // Check the clock every 256 verifications only: reading it costs time too.
    for (let i = 0; i < 256; i++) await verify();
    n += 256;
  }
  const seconds = (performance.now() - started) / 1000;
  return { variant, verifications: n, seconds: round(seconds, 3), perSecond: Math.round(n / seconds), microsecondsEach: round((seconds * 1e6) / n, 2) };
}

export async function measureAuthorizer(maxMsEach: number): Promise<AuthorizerThroughput> {
  const settings = { issuer: 'tollgate-bench', audience: 'tollgate-bench-api' };
  // 64 characters from a 62-symbol alphabet, like the stack's generated secret.
  const key = signingKey('a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4y5Z6a7B8c9D0e1F2');
  const { token } = await issueToken(key, settings, { sub: '7d8e4a1c-0000-4000-8000-000000000000', email: 'bench@example.com', tokenVersion: 0 }, 3600);
  const keys = [key];
  const cryptoKey = await crypto.subtle.importKey('raw', new Uint8Array(key.key.export()), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const maxCount = 2_000_000;
  const rates = [
    await measure('verifyToken (authorizer path; KeyObject imported once per key)', maxCount, maxMsEach, () => verifyToken(token, keys, settings)),
    await measure('jwtVerify, same checks, CryptoKey imported once', maxCount, maxMsEach, () =>
      jwtVerify(token, cryptoKey, {
        algorithms: [ALGORITHM],
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'iat', 'exp', 'iss', 'aud'],
      }),
    ),
    await measure('verifyToken of a forged token (bad signature)', maxCount, maxMsEach, () =>
      verifyToken(token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA'), keys, settings).catch(() => undefined),
    ),
  ];
  return { tokenBytes: token.length, rates };
}
