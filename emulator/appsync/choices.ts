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
   * A10: the largest request body. AppSync's quotas page lists no request-size quota (checked
   * 2026-11-30: https://docs.aws.amazon.com/general/latest/gr/appsync.html, and the Service
   * Quotas list for appsync: schema document 1 MB, evaluated resolver template 5 MB, subscription
   * payload 240 KB). 1 MiB is the largest GraphQL operation AWS documents for an AppSync call
   * (EventBridge's AppSync target, GraphQLOperation ≤ 1,048,576:
   * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_AppSyncParameters.html,
   * checked 2026-11-30). A deployed Tollgate refuses far smaller bodies first: its WAF rule caps
   * them at TOLLGATE_WAF_MAX_BODY_BYTES (8 KB).
   */
  maxBodyBytes: 1024 * 1024,
  /** A10: answered as AppSync answers a body it cannot take (§5.2): 400 MalformedHttpRequestException. */
  bodyTooLargeMessage: 'Request body is too large (over 1048576 bytes).',
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
