// Bedrock's exceptions → ModelError with a message a user can act on, whether to retry, and
// whether Bedrock may have run the call. Only what Bedrock refused before running it is refunded
// (throttled, unavailable, denied, invalid, no such model); a call that timed out after it was sent,
// or that the model failed while processing, is billed by Bedrock and so stays charged here.
import { ModelError } from '../commons/errors.ts';

interface Kind {
  text: string;
  retryable: boolean;
  /** Bedrock may have run it: keep the slot and the reservation charged. */
  charged: boolean;
  /** Sent, and no answer came in time. */
  timedOut: boolean;
}

const KINDS: Record<string, Kind> = {
  ThrottlingException: { text: 'The model is busy right now.', retryable: true, charged: false, timedOut: false },
  ServiceUnavailableException: { text: 'The model service is unavailable right now.', retryable: true, charged: false, timedOut: false },
  ServiceQuotaExceededException: { text: 'The model’s capacity is used up right now.', retryable: true, charged: false, timedOut: false },
  ModelNotReadyException: { text: 'The model is warming up.', retryable: true, charged: false, timedOut: false },
  // A 500 from Bedrock: it did not produce an answer. Refunded, as the user could do nothing about it.
  InternalServerException: { text: 'The model service had an internal error.', retryable: true, charged: false, timedOut: false },
  ValidationException: { text: 'The model refused the request as invalid.', retryable: false, charged: false, timedOut: false },
  AccessDeniedException: { text: 'This deployment has no access to that model.', retryable: false, charged: false, timedOut: false },
  ResourceNotFoundException: { text: 'That model is not available in this region.', retryable: false, charged: false, timedOut: false },
  ModelTimeoutException: { text: 'The model took too long to answer.', retryable: true, charged: true, timedOut: true },
  // Our own deadline (AbortSignal.timeout) fired after the request was sent.
  TimeoutError: { text: 'The model took too long to answer.', retryable: true, charged: true, timedOut: true },
  AbortError: { text: 'The model took too long to answer.', retryable: true, charged: true, timedOut: true },
  ModelErrorException: { text: 'The model could not process this prompt.', retryable: false, charged: true, timedOut: false },
};

/** Failures to open a connection at all: the request never reached Bedrock. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export function classifyBedrockError(error: unknown): ModelError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const code = (error as { code?: unknown } | null)?.code;
  const kind: Kind =
    KINDS[name] ??
    (typeof code === 'string' && NOT_SENT.has(code)
      ? { text: 'The model could not be reached.', retryable: true, charged: false, timedOut: false }
      : // Anything else may have failed after Bedrock ran the call: charged, and worth one more try.
        { text: 'The model call failed.', retryable: true, charged: true, timedOut: false });
  const charge = kind.charged ? ' This prompt was charged, as the model may have run it.' : ' Your quota was not charged.';
  return new ModelError(kind.text + charge + (kind.retryable ? ' Try again in a moment.' : ''), kind.retryable, kind.charged, kind.timedOut);
}
