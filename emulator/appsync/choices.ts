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
  /** EXT (https://docs.aws.amazon.com/appsync/latest/devguide/extensions-js.html, checked 2026-11-30): at most 5 unique calls; the error's text is unverified. */
  maxInvalidationsPerRequest: 5,
  tooManyInvalidationsMessage: 'extensions.invalidateSubscriptions may be called with at most 5 unique arguments in one request.',
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
  /**
   * A10: the largest request body. AppSync's quotas page lists no request-size quota (checked
   * 2026-11-30: https://docs.aws.amazon.com/general/latest/gr/appsync.html, and the Service
   * Quotas list for appsync: schema document 1 MB, evaluated resolver template 5 MB, subscription
   * payload 240 KB). 1 MiB is the largest GraphQL operation AWS documents for an AppSync call
   * (EventBridge's AppSync target, GraphQLOperation ≤ 1,048,576:
   * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_AppSyncParameters.html,
   * checked 2026-11-30). A deployed Tollgate's WAF may refuse smaller bodies first, when
   * TOLLGATE_WAF_MAX_BODY_BYTES is set.
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
  /** A11: a throttled invocation (Lambda's 429 TooManyRequestsException): AppSync's ctx.error.type is unverified. */
  throttleType: 'Lambda:TooManyRequestsException',
  /**
   * A7: ctx.result of an invocationType 'Event' call: "The response from an async invocation will
   * always be null" (https://newsletter.theburningmonk.com/posts/appsync-s-new-async-lambda-resolver-is-great-news-for-genai-apps,
   * on AppSync's announcement of 2024-05-30; checked 2026-11-30).
   */
  eventResult: null,
};

export const DYNAMODB_SOURCE_CHOICES = {
  /**
   * A12: whether AppSync's DynamoDB data source retries a throttled or failed call before the
   * resolver sees ctx.error. AWS does not document a retry policy for single-item calls; its batch
   * tutorial mentions "the second attempt by AWS AppSync to process the remaining elements in the
   * batch" (https://docs.aws.amazon.com/appsync/latest/devguide/tutorial-dynamodb-batch-js.html,
   * checked 2026-11-30). The emulator makes one attempt, so resolvers are written for the worst
   * case: ctx.error.type DynamoDB:ThrottlingException (or ProvisionedThroughputExceededException,
   * InternalServerError, TransactionCanceledException with its cancellationReasons).
   */
  maxAttempts: 1,
};

/**
 * A8: a conditional write whose condition fails is reported as success when the item already is
 * what the write wanted — implemented for PutItem (item equal, minus equalsIgnore) and DeleteItem
 * (item absent) in emulator/datasources/dynamodb.ts; UpdateItem always reports the failure.
 */
export const CONDITION_MATCH_SUCCEEDS_FOR: readonly string[] = ['PutItem', 'DeleteItem'];

/**
 * util.time's locale-dependent pattern letters (Y, w, W, e, c): Java's WeekFields of the
 * formatter's locale. AppSync does not say which locale; Java's default, Locale.US, starts weeks
 * on Sunday and counts a week holding one day of the year as week 1. 'F' is the aligned
 * day-of-week-in-month (Java 8–17); Java 19+ reads it as the aligned week of the month.
 */
export const TIME_CHOICES = {
  firstDayOfWeek: 7 as number, // ISO day number: Monday 1 … Sunday 7
  minimalDaysInFirstWeek: 1 as number,
  letterF: 'alignedDayOfWeekInMonth' as 'alignedDayOfWeekInMonth' | 'alignedWeekOfMonth',
};

/**
 * The offline WAF (emulator/waf/). AWS WAF inspects at most the first 8 KB of an AppSync request
 * body (https://docs.aws.amazon.com/appsync/latest/devguide/WAF-Integration.html, checked
 * 2026-11-30). The block response is what clients of AppSync APIs behind WAF report receiving
 * (HTTP 403, errorType WAFForbiddenException, message "403 Forbidden"; not in AWS's docs).
 * Rate-based rules count exactly over a sliding window; AWS checks rates every few seconds, so it
 * may let a few more through before it blocks.
 */
export const WAF_CHOICES = {
  bodyInspectionLimitBytes: 8192,
  blockStatus: 403,
  blockBody: { errors: [{ errorType: 'WAFForbiddenException', message: '403 Forbidden' }] },
  blockErrorType: 'WAFForbiddenException',
  /** RateBasedStatement.EvaluationWindowSec when the template omits it. */
  defaultRateWindowSeconds: 300,
};

/**
 * What a resolver sees when its data source's service role may not make the call (the emulator
 * checks the role's template policies before every call; emulator/iam/datasources.ts).
 *
 * DynamoDB: AppSync's reports of such refusals read "User: arn:aws:sts::…:assumed-role/<role>/
 * APPSYNC_ASSUME_ROLE is not authorized to perform: dynamodb:BatchGetItem on resource: arn:aws:
 * dynamodb:…:table/ChatTable because no identity-based policy allows the dynamodb:BatchGetItem
 * action (Service: DynamoDb, Status Code: 400, Request ID: …)"
 * (https://github.com/aws-amplify/amplify-cli/issues/12780, checked 2026-11-30). The error type
 * beside that message is not in the report; "DynamoDB:DynamoDbException" is what AppSync answered
 * for the same refusal of a Query made with the caller's credentials (an Amplify sample's README,
 * found by code search on 2026-11-30) and for other errors DynamoDB's Java SDK does not model.
 *
 * Lambda: no report of AppSync's answer was found. By the same rule (the Java SDK's exception for
 * an error it does not model, as AppSync's "(Service: DynamoDb, …)" suffix comes from it) the
 * choice is "Lambda:LambdaException", with Lambda's 403 in the suffix. Unverified.
 */
export const DATA_SOURCE_IAM_CHOICES = {
  dynamoDbErrorType: 'DynamoDB:DynamoDbException',
  dynamoDbSuffix: (requestId: string) => ` (Service: DynamoDb, Status Code: 400, Request ID: ${requestId})`,
  lambdaErrorType: 'Lambda:LambdaException',
  lambdaSuffix: (requestId: string) => ` (Service: Lambda, Status Code: 403, Request ID: ${requestId})`,
};
