// Our JWTs: HS256 only, ≥ 256-bit keys with a kid so the key can rotate (current and previous
// accepted), iss/aud/exp/iat/sub required, small clock tolerance (RFC 8725).
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, decodeProtectedHeader } from 'jose';

export const ALGORITHM = 'HS256';
export const CLOCK_TOLERANCE_SECONDS = 30;
/** Longer tokens are refused before any parsing: ours are well under 1 KB. */
export const MAX_TOKEN_LENGTH = 2048;
const MIN_KEY_BYTES = 32;

export interface SigningKey {
  kid: string;
  /** Imported once: verifying with raw bytes would re-import the key on every call. */
  key: KeyObject;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
}

export interface TokenClaims {
  sub: string;
  email: string;
  tokenVersion: number;
  iat: number;
  exp: number;
}

export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(readonly reason: string) {
    super(`token rejected: ${reason}`);
  }
}

/** The kid is derived from the key, so it names a key without revealing it. */
export function signingKey(secret: string): SigningKey {
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_KEY_BYTES) throw new Error(`The signing secret must be at least ${MIN_KEY_BYTES} bytes`);
  return { kid: createHash('sha256').update(key).digest('hex').slice(0, 16), key: createSecretKey(key) };
}

export async function issueToken(
  key: SigningKey,
  settings: TokenSettings,
  claims: { sub: string; email: string; tokenVersion: number },
  ttlSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<{ token: string; expiresAt: Date }> {
  const exp = nowSeconds + ttlSeconds;
  const token = await new SignJWT({ email: claims.email, tokenVersion: claims.tokenVersion })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid: key.kid })
    .setSubject(claims.sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(exp)
    .sign(key.key);
  return { token, expiresAt: new Date(exp * 1000) };
}

/** The kid a token's header names, if it can be read at all (nothing is trusted yet). */
export function kidOf(token: string): string | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  try {
    const kid = decodeProtectedHeader(token).kid;
    return typeof kid === 'string' && /^[0-9a-f]{16}$/.test(kid) ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** Verifies with the key its kid names; anything off is a TokenError with a loggable reason. */
export async function verifyToken(token: string, keys: SigningKey[], settings: TokenSettings, now?: Date): Promise<TokenClaims> {
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('too long');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new TokenError('malformed');
  }
  if (header.alg !== ALGORITHM) throw new TokenError(`algorithm ${String(header.alg)} not allowed`);
  if (header.jku !== undefined || header.jwk !== undefined || header.x5u !== undefined || header.x5c !== undefined) {
    throw new TokenError('key-bearing header not allowed');
  }
  if (header.crit !== undefined) throw new TokenError('crit header not supported');
  const key = keys.find((k) => k.kid === header.kid);
  if (!key) throw new TokenError('unknown kid');
  try {
    const { payload } = await jwtVerify(token, key.key, {
      algorithms: [ALGORITHM],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'iat', 'exp', 'iss', 'aud'],
      currentDate: now,
    });
    if (typeof payload.email !== 'string' || typeof payload.tokenVersion !== 'number' || !Number.isInteger(payload.tokenVersion)) {
      throw new TokenError('claims missing');
    }
    return { sub: payload.sub!, email: payload.email, tokenVersion: payload.tokenVersion, iat: payload.iat!, exp: payload.exp! };
  } catch (error) {
    if (error instanceof TokenError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new TokenError('expired');
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw new TokenError(`claim ${error.claim} ${error.reason}`);
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw new TokenError('bad signature');
    throw new TokenError('invalid');
  }
}
