// Bedrock's exceptions → ModelError with a message a user can act on and whether to retry.
import { ModelError } from '../commons/errors.ts';

const RETRYABLE: Record<string, string> = {
  ThrottlingException: 'The model is busy right now.',
  ModelTimeoutException: 'The model took too long to answer.',
  ServiceUnavailableException: 'The model service is unavailable right now.',
  InternalServerException: 'The model service had an internal error.',
  ModelNotReadyException: 'The model is warming up.',
  ServiceQuotaExceededException: 'The model’s capacity is used up right now.',
  TimeoutError: 'The model took too long to answer.',
  AbortError: 'The model took too long to answer.',
};

const PERMANENT: Record<string, string> = {
  ValidationException: 'The model refused the request as invalid.',
  AccessDeniedException: 'This deployment has no access to that model.',
  ResourceNotFoundException: 'That model is not available in this region.',
  ModelErrorException: 'The model could not process this prompt.',
};

export function classifyBedrockError(error: unknown): ModelError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const suffix = ' Your quota was not charged.';
  if (RETRYABLE[name]) return new ModelError(RETRYABLE[name] + suffix + ' Try again in a moment.', true);
  if (PERMANENT[name]) return new ModelError(PERMANENT[name] + suffix, false);
  // Network failures and anything unknown: worth one more try.
  return new ModelError('The model could not be reached.' + suffix + ' Try again in a moment.', true);
}
