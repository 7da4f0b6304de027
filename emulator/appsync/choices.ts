// Where AppSync's behaviour is unverified (APPSYNC.md appendix A), the emulator's choice — all of
// them here, each with the point it answers, so a live probe's answer is a one-line change.

export const AUTH_CHOICES = {
  /** A1: the message of the 401 for a request without an Authorization header (Lambda auth). */
  missingHeaderMessage: 'Valid authorization header not provided.',
  /** A2: both x-api-key and Authorization sent: the API key wins (amplify-appsync-simulator's choice). */
  apiKeyWinsOverAuthorization: true,
  /** §4.5/§4.6: an authorizer that throws or runs past this is a denial (401). */
  authorizerTimeoutMs: 10_000,
  /** §4.6 */
  maxTokenLength: 2048,
};

export const ENGINE_CHOICES = {
  /** §5.4: AppSync's hard request limit. */
  requestTimeoutMs: 30_000,
  /** A6: the texts for a query over QueryDepthLimit and for a request over the time limit. */
  depthMessage: (depth: number, limit: number) => `Query depth ${depth} exceeds the maximum depth of ${limit}.`,
  timeoutMessage: 'Execution timed out.',
};

export const HTTP_CHOICES = {
  /**
   * A10: ctx.request.headers['x-forwarded-for']. AppSync's front end is CloudFront: resolvers saw
   * `'x-forwarded-for': '179.24.30.121, 130.176.27.160'` (the client, then CloudFront) with
   * `via: … (CloudFront)` (https://github.com/awslabs/aws-mobile-appsync-sdk-js/issues/584, a 2020
   * report; checked 2026-11-30). A value the client sent stays in front, since each proxy appends.
   * The emulator appends the peer's address and then, standing in for CloudFront's, its own.
   */
  appendEdgeHop: true,
};

export const TEMPLATE_CHOICES = {
  /** A9: AuthorizerResultTtlInSeconds when a template omits it (the docs say 0 and 300; CDK always writes it). */
  defaultAuthorizerTtlSeconds: 0,
};

export const LAMBDA_CHOICES = {
  /** A5: the errorType a Lambda failure carries (some reports say the thrown error's name). */
  errorType: 'Lambda:Unhandled',
  /** A7: ctx.result of an invocationType 'Event' call. */
  eventResult: null,
};

/**
 * A8: a conditional write whose condition fails is reported as success when the item already is
 * what the write wanted — implemented for PutItem (item equal, minus equalsIgnore) and DeleteItem
 * (item absent) in emulator/datasources/dynamodb.ts; UpdateItem always reports the failure.
 */
export const CONDITION_MATCH_SUCCEEDS_FOR: readonly string[] = ['PutItem', 'DeleteItem'];
