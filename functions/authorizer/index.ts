// AppSync Lambda authorizer: verifies our JWT, then checks the account still exists, is enabled
// and has the token's version, so logoutEverywhere and account changes revoke tokens. Its two AWS
// calls (GetItem, GetSecretValue) are signed HTTPS requests (commons/aws-json.ts), not the SDK:
// its init is in front of every request whose token AppSync has not cached.
import { AwsServiceError, jsonService, unmarshall } from '../commons/aws-json.ts';
import type { CallerContext } from '../commons/contracts.ts';
import { intEnv, requireEnv } from '../commons/env.ts';
import { keysIncluding } from '../commons/keys.ts';
import { describeError, log } from '../commons/log.ts';
import { kidOf, TokenError, verifyToken } from '../commons/tokens.ts';

const USERS_TABLE = requireEnv('USERS_TABLE');
const SECRET_ARN = requireEnv('JWT_SECRET_ARN');
const TOKEN_SETTINGS = { issuer: requireEnv('TOKEN_ISSUER'), audience: requireEnv('TOKEN_AUDIENCE') };
/** The API's cache TTL: a decision is never cached longer than this, nor past the token's exp. */
const CACHE_TTL_SECONDS = intEnv('AUTHORIZER_CACHE_TTL_SECONDS');
// More attempts than the SDK's default: a failure here would refuse a valid token, and clients
// log their user out on a 401. The deadline, not the count, is what bounds them.
const dynamodb = jsonService({ service: 'dynamodb', endpointId: 'DYNAMODB', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0', maxAttempts: 8 });
/** Kept for answering: AppSync gives an authorizer 10 s, the function has its own timeout (infra/stack.ts). */
const ANSWER_MARGIN_MS = 500;
/** Seconds a client is asked to wait when the checks could not be made (resolvers/lib/caller.ts). */
const UNAVAILABLE_RETRY_SECONDS = 2;

export interface AuthorizerEvent {
  authorizationToken: string;
  requestContext: { apiId: string; accountId: string; requestId: string; queryString: string; operationName?: string; variables: Record<string, unknown> };
  requestHeaders?: Record<string, string>;
}

export interface AuthorizerResult {
  isAuthorized: boolean;
  resolverContext?: CallerContext & Record<string, string>;
  deniedFields?: string[];
  ttlOverride?: number;
}

interface UserItem {
  userId: string;
  email: string;
  tokenVersion: number;
  disabled?: boolean;
  dailyPromptLimit?: number;
  dailyTokenLimit?: number;
  promptsPerMinute?: number;
  promptsInFlight?: number;
}

function deny(reason: string, requestId: string): AuthorizerResult {
  log('info', 'denied', { reason, requestId });
  // A denial is not cached, so a fixed account (re-enabled, say) works at once.
  return { isAuthorized: false, ttlOverride: 0 };
}

/**
 * The checks could not be made (Secrets Manager or DynamoDB failing, retryably, past every retry): not a
 * denial, which clients take for a revoked token and log out on. The request is let through
 * marked unavailable, never cached, and every resolver answers it with RateLimited
 * { retryAfterSeconds } before touching any data (resolvers/lib/caller.ts callerOf).
 */
function unavailable(requestId: string, error: unknown): AuthorizerResult {
  log('error', 'authorizer checks unavailable', { requestId, ...describeError(error) });
  return {
    isAuthorized: true,
    resolverContext: {
      userId: '',
      email: '',
      tokenVersion: '',
      dailyPromptLimit: '',
      dailyTokenLimit: '',
      promptsPerMinute: '',
      promptsInFlight: '',
      unavailable: String(UNAVAILABLE_RETRY_SECONDS),
    },
    ttlOverride: 0,
  };
}

export async function handler(event: AuthorizerEvent, context?: { getRemainingTimeInMillis(): number }): Promise<AuthorizerResult> {
  const requestId = event.requestContext?.requestId ?? 'unknown';
  const raw = event.authorizationToken ?? '';
  const token = raw.startsWith('Bearer ') ? raw.slice('Bearer '.length) : raw;
  const deadlineMs = Date.now() + (context ? context.getRemainingTimeInMillis() : 4000) - ANSWER_MARGIN_MS;
  try {
    const claims = await verifyToken(token, await keysIncluding(SECRET_ARN, kidOf(token), Date.now(), deadlineMs), TOKEN_SETTINGS);
    const found = await dynamodb<{ Item?: Parameters<typeof unmarshall>[0] }>(
      'GetItem',
      { TableName: USERS_TABLE, Key: { email: { S: claims.email } }, ConsistentRead: true },
      { deadlineMs },
    );
    const user = found.Item ? (unmarshall(found.Item) as unknown as UserItem) : undefined;
    if (!user || user.userId !== claims.sub) return deny('no such user', requestId);
    if (user.disabled === true) return deny('user disabled', requestId);
    if (user.tokenVersion !== claims.tokenVersion) return deny('token revoked', requestId);
    const secondsLeft = claims.exp - Math.floor(Date.now() / 1000);
    if (secondsLeft <= 0) return deny('expired', requestId);
    const optional = (n: number | undefined) => (n === undefined ? '' : String(n));
    log('info', 'authorized', { userId: user.userId, requestId });
    return {
      isAuthorized: true,
      resolverContext: {
        userId: user.userId,
        email: user.email,
        tokenVersion: String(user.tokenVersion),
        dailyPromptLimit: optional(user.dailyPromptLimit),
        dailyTokenLimit: optional(user.dailyTokenLimit),
        promptsPerMinute: optional(user.promptsPerMinute),
        promptsInFlight: optional(user.promptsInFlight),
      },
      // AppSync caches by the Authorization header: never past the token's own expiry.
      ttlOverride: Math.min(secondsLeft, CACHE_TTL_SECONDS),
    };
  } catch (error) {
    if (error instanceof TokenError) return deny(error.reason, requestId);
    // Failing past the retries is an outage; a refusal (AccessDenied, a missing secret) is a
    // misconfiguration no retry mends, and is denied as any other authorizer failure.
    if (error instanceof AwsServiceError && error.retryable) return unavailable(requestId, error);
    log('error', 'authorizer failed', { requestId, ...describeError(error) });
    return deny('error', requestId);
  }
}
