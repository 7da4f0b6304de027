// The error vocabulary of DESIGN.md, and the ways resolvers raise it.
import { util } from '@aws-appsync/utils';
import { recordEvent } from './events.ts';

export const ErrorType = {
  Validation: 'ValidationError',
  EmailTaken: 'EmailTaken',
  InvalidCredentials: 'InvalidCredentials',
  TooManyAttempts: 'TooManyAttempts',
  RateLimited: 'RateLimited',
  QuotaExceeded: 'QuotaExceeded',
  ModelError: 'ModelError',
  NotFound: 'NotFound',
  Internal: 'InternalError',
} as const;

export function validationError(field: string, reason: string, message: string): never {
  return util.error(message, ErrorType.Validation, null, { field, reason });
}

/**
 * An unexpected failure: logged with its cause and a reference, shown to the client as
 * InternalError with that reference only.
 */
export function internalError(where: string, cause: { message: string; type: string } | null | undefined): never {
  const ref = util.autoId();
  console.error(
    JSON.stringify({ level: 'error', errorType: ErrorType.Internal, ref, where, causeType: cause ? cause.type : null, cause: cause ? cause.message : null }),
  );
  return util.error(`Something went wrong on our side. Reference: ${ref}`, ErrorType.Internal);
}

/**
 * DynamoDB failures worth the client's retry, as AppSync hands them to a resolver
 * (`DynamoDB:<exception>`): throttling, a transaction in the way, DynamoDB's own errors. AppSync's
 * data source does not retry them for us (emulator/appsync/choices.ts), and a resolver cannot.
 */
const RETRYABLE = [
  'DynamoDB:ThrottlingException',
  'DynamoDB:ProvisionedThroughputExceededException',
  'DynamoDB:RequestLimitExceeded',
  'DynamoDB:InternalServerError',
  'DynamoDB:ServiceUnavailable',
  'DynamoDB:TransactionConflictException',
  'DynamoDB:TransactionCanceledException',
  'DynamoDB:TransactionInProgressException',
];

export function isRetryable(cause: { type: string } | null | undefined): boolean {
  return Boolean(cause) && RETRYABLE.includes((cause as { type: string }).type);
}

/** Seconds a client is asked to wait after a retryable AWS failure. */
export const BUSY_RETRY_SECONDS = 1;

/**
 * A data source failed. A retryable failure is the client's to retry (RateLimited with
 * retryAfterSeconds; nothing was charged, as no step before admission charges and admission is one
 * atomic write); anything else is an InternalError.
 */
export function dataSourceError(where: string, cause: { message: string; type: string }): never {
  if (isRetryable(cause)) {
    recordEvent('ServiceBusy', { where, cause: cause.type });
    return util.error('The service is busy right now. Try again in a moment.', ErrorType.RateLimited, null, { retryAfterSeconds: BUSY_RETRY_SECONDS });
  }
  return internalError(where, cause);
}

/**
 * A Lambda data source failed as a function (not with an answer): throttled, its init failed, it
 * crashed or timed out. These are infrastructure failures a retry may not meet again.
 */
export function isLambdaFault(cause: { type: string; unhandledErrorType?: string } | null | undefined): boolean {
  if (!cause) return false;
  if (cause.type === 'Lambda:TooManyRequestsException') return true;
  const kind = cause.unhandledErrorType ?? '';
  return kind === 'Sandbox.Timedout' || kind.indexOf('Runtime.') === 0;
}

/** Lambda failures that prove the handler never ran, so nothing it does (a model call) happened. */
export function lambdaNeverRan(cause: { type: string; message?: string; unhandledErrorType?: string } | null | undefined): boolean {
  if (!cause) return false;
  const kind = cause.unhandledErrorType ?? '';
  // Lambda's service refusing the call itself (the data source's role may not invoke it: AppSync's
  // Lambda:LambdaException with no function error) means no handler ran either.
  if (cause.type === 'Lambda:LambdaException' && kind === '') return true;
  return cause.type === 'Lambda:TooManyRequestsException' || kind === 'Runtime.InitError' || kind === 'Runtime.ImportModuleError' || kind === 'Runtime.HandlerNotFound';
}
