// The error vocabulary of DESIGN.md, and the two ways resolvers raise it.
import { util } from '@aws-appsync/utils';

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
