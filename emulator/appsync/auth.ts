// Request-level authorization as AppSync does it for API_KEY + AWS_LAMBDA + AWS_IAM (APPSYNC.md
// §4): mode chosen by request shape, the authorizer's decision cached by the Authorization
// header, validationRegex checked before any invocation, and AppSync's fixed 401 answers.
import { randomUUID } from 'node:crypto';
import type { IamIdentity } from '../iam/index.ts';
import type { SignedRequest } from '../iam/sigv4.ts';
import { LOCAL_ACCOUNT } from '../template.ts';
import { AUTH_CHOICES } from './choices.ts';

export type AuthMode = 'API_KEY' | 'AWS_LAMBDA' | 'AWS_IAM';

export interface Caller {
  mode: AuthMode;
  /** AWS_LAMBDA: { resolverContext }; AWS_IAM: who signed; API_KEY: null. */
  identity: { resolverContext: Record<string, unknown> } | IamIdentity | null;
  deniedFields: ReadonlySet<string>;
  authorizerMs: number;
  authorizerCached: boolean;
  /** AWS_IAM: whether the signer's policies allow appsync:GraphQL on a root field. */
  allowsRootField?(typeName: string, fieldName: string): boolean;
}

export interface AuthFailure {
  /** 401 for tokens and keys; IAM refusals are 403 (400 for a malformed signature). */
  status: 400 | 401 | 403;
  body: { errors: { errorType: string; message: string }[] };
}

/** The request as it arrived, for a SigV4 signature check. */
export type RawRequest = Omit<SignedRequest, 'headers'>;

export interface AuthorizerResponse {
  isAuthorized?: unknown;
  resolverContext?: unknown;
  deniedFields?: unknown;
  ttlOverride?: unknown;
}

export interface AuthConfig {
  apiId: string;
  defaultMode: string;
  additionalModes: string[];
  apiKey: string;
  lambda: { ttlSeconds: number; validationRegex: string | null } | null;
  invokeAuthorizer(event: unknown): Promise<{ ok: true; payload: unknown } | { ok: false; errorType: string; errorMessage: string }>;
  now(): number;
  warn(message: string): void;
  /** AWS_IAM: verifies a SigV4 signature and says which fields the signer may call. */
  iam?: { authenticate(request: SignedRequest): Caller | AuthFailure };
}


const UNAUTHORIZED_MESSAGE = 'You are not authorized to make this call.';

function failure(message = UNAUTHORIZED_MESSAGE): AuthFailure {
  return { status: 401, body: { errors: [{ errorType: 'UnauthorizedException', message }] } };
}

interface CacheEntry {
  expiresAt: number;
  response: AuthorizerResponse;
}

export class RequestAuthorizer {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly regex: RegExp | null;
  readonly modes: ReadonlySet<string>;

  constructor(private readonly config: AuthConfig) {
    // Java's matches(): the whole token must match.
    this.regex = config.lambda?.validationRegex ? new RegExp(`^(?:${config.lambda.validationRegex})$`) : null;
    this.modes = new Set([config.defaultMode, ...config.additionalModes]);
  }

  async authorize(
    headers: Record<string, string>,
    request: { query: string; operationName: string | null; variables: Record<string, unknown> },
    raw?: RawRequest,
  ): Promise<Caller | AuthFailure> {
    const apiKey = headers['x-api-key'];
    const authorization = headers['authorization'];
    if (apiKey !== undefined && this.modes.has('API_KEY') && (authorization === undefined || AUTH_CHOICES.apiKeyWinsOverAuthorization)) {
      if (authorization !== undefined) this.config.warn('Both x-api-key and Authorization were sent; using the API key (AppSync’s precedence here is undocumented).');
      if (apiKey !== this.config.apiKey) return failure();
      return { mode: 'API_KEY', identity: null, deniedFields: new Set(), authorizerMs: 0, authorizerCached: false };
    }
    // A SigV4 Authorization header selects AWS_IAM, as on AppSync.
    if (authorization?.startsWith('AWS4-HMAC-SHA256') && this.modes.has('AWS_IAM') && this.config.iam && raw) {
      return this.config.iam.authenticate({ ...raw, headers });
    }
    if (!this.modes.has('AWS_LAMBDA') || !this.config.lambda) return failure();
    if (authorization === undefined || authorization === '') return failure(AUTH_CHOICES.missingHeaderMessage);
    if (authorization.length > AUTH_CHOICES.maxTokenLength) return failure();
    if (this.regex && !this.regex.test(authorization)) return failure();

    const started = performance.now();
    const now = this.config.now();
    const cached = this.cache.get(authorization);
    let response: AuthorizerResponse;
    let fromCache = false;
    if (cached && cached.expiresAt > now) {
      response = cached.response;
      fromCache = true;
    } else {
      this.cache.delete(authorization);
      const event = {
        authorizationToken: authorization,
        requestContext: {
          apiId: this.config.apiId,
          accountId: LOCAL_ACCOUNT,
          requestId: randomUUID(),
          queryString: request.query,
          operationName: request.operationName ?? undefined,
          variables: request.variables,
        },
        requestHeaders: headers,
      };
      const outcome = await Promise.race([
        this.config.invokeAuthorizer(event),
        new Promise<{ ok: false; errorType: string; errorMessage: string }>((resolve) =>
          setTimeout(() => resolve({ ok: false, errorType: 'Timeout', errorMessage: 'authorizer timed out' }), AUTH_CHOICES.authorizerTimeoutMs).unref(),
        ),
      ]);
      if (!outcome.ok) {
        this.config.warn(`The Lambda authorizer failed (${outcome.errorType}); the request is denied.`);
        return failure();
      }
      response = (outcome.payload ?? {}) as AuthorizerResponse;
      const ttl = typeof response.ttlOverride === 'number' ? response.ttlOverride : this.config.lambda.ttlSeconds;
      if (ttl > 0) this.cache.set(authorization, { expiresAt: now + ttl * 1000, response });
    }
    const authorizerMs = performance.now() - started;
    if (response.isAuthorized !== true) return failure();
    const resolverContext = (response.resolverContext ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(resolverContext)) {
      if (value !== null && typeof value === 'object') this.config.warn(`resolverContext.${key} is nested; AppSync supports flat values only.`);
    }
    const denied = Array.isArray(response.deniedFields) ? (response.deniedFields as unknown[]).map(String) : [];
    return {
      mode: 'AWS_LAMBDA',
      identity: { resolverContext },
      deniedFields: new Set(denied.map(fieldFromDenied).filter((f): f is string => f !== null)),
      authorizerMs,
      authorizerCached: fromCache,
    };
  }
}

/** `Type.field` or a field ARN → `Type.field`; wildcards and bare types do nothing (§4.2). */
function fieldFromDenied(entry: string): string | null {
  const arn = /^arn:aws:appsync:[^:]*:[^:]*:apis\/[^/]+\/types\/([^/]+)\/fields\/([^/]+)$/.exec(entry);
  if (arn) return `${arn[1]}.${arn[2]}`;
  return /^[A-Za-z_]\w*\.[A-Za-z_]\w*$/.test(entry) ? entry : null;
}

export function isFailure(value: Caller | AuthFailure): value is AuthFailure {
  return (value as AuthFailure).status !== undefined;
}
