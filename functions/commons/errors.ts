// Error classes per area, mapped to DESIGN.md's vocabulary in one place.
import type { VocabularyError } from './contracts.ts';

export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly field: string,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class EmailTakenError extends Error {
  override readonly name = 'EmailTakenError';
  constructor() {
    super('An account with this email already exists.');
  }
}

export class InvalidCredentialsError extends Error {
  override readonly name = 'InvalidCredentialsError';
  constructor() {
    super('The email or password is not correct.');
  }
}

export class TooManyAttemptsError extends Error {
  override readonly name = 'TooManyAttemptsError';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed logins for this email. Try again in ${retryAfterSeconds} s.`);
  }
}

/** Too many registrations or login attempts from one source IP (or everywhere, for registrations). */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  constructor(
    what: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`Too many ${what}. Try again in ${retryAfterSeconds} s.`);
  }
}

export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Bedrock may have run the call (functions/model/errors.ts): settle keeps it charged. */
    readonly charged: boolean,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

/** The client-facing form of a known error; undefined for anything unexpected. */
export function toVocabulary(error: unknown): VocabularyError | undefined {
  if (error instanceof ValidationError) return { type: 'ValidationError', message: error.message, info: { field: error.field, reason: error.reason } };
  if (error instanceof EmailTakenError) return { type: 'EmailTaken', message: error.message, info: null };
  if (error instanceof InvalidCredentialsError) return { type: 'InvalidCredentials', message: error.message, info: null };
  if (error instanceof TooManyAttemptsError) {
    return { type: 'TooManyAttempts', message: error.message, info: { retryAfterSeconds: error.retryAfterSeconds } };
  }
  if (error instanceof RateLimitedError) return { type: 'RateLimited', message: error.message, info: { retryAfterSeconds: error.retryAfterSeconds } };
  if (error instanceof ModelError) {
    return { type: 'ModelError', message: error.message, info: { retryable: error.retryable, charged: error.charged, timedOut: error.timedOut } };
  }
  return undefined;
}

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalServiceError',
  'InternalFailure',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TransactionCanceledException',
  'TimeoutError',
  'NetworkingError',
]);

/**
 * An AWS call that failed past its retries with an error a later try may not meet (throttling,
 * 5xx, the network): the client is asked to retry (RateLimited), never shown InternalError.
 */
export function isRetryableAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number }; status?: number }).$metadata?.httpStatusCode ?? (error as { status?: number }).status;
  return RETRYABLE_NAMES.has(error.name) || (typeof status === 'number' && (status >= 500 || status === 429));
}

export function busy(): VocabularyError {
  return { type: 'RateLimited', message: 'The service is busy right now. Try again in a moment.', info: { retryAfterSeconds: 1 } };
}
