// Bedrock's exceptions → ModelError with a message that says what happened and whether to retry.
// Some failures share an exception name and differ only in Bedrock's message, so those are told
// apart by it (messages as Bedrock sends them, checked 2026-11-30):
// - ResourceNotFoundException "This model version has reached the end of its life"
//   (https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-cohere-command-r-plus.html);
// - ValidationException "Invocation of model ID … with on-demand throughput isn’t supported. Retry
//   your request with the ID or ARN of an inference profile that contains this model."
//   (as quoted in https://github.com/ed-donner/production, community_contributions/mrbrownnl_nova_inference_profile.md);
// - AccessDeniedException "You don't have access to the model with the specified model ID.",
//   "Model use case details have not been submitted for this account. …", "Model access is denied
//   due to IAM user or service role is not authorized to perform the required AWS Marketplace
//   actions …" and IAM's "… is not authorized to perform: bedrock:InvokeModel …" (as quoted in
//   https://github.com/obot-platform/obot/issues/6747 and
//   https://github.com/ministryofjustice/modernisation-platform-environments/pull/18323).
// Messages reach the caller, so they name the model and the operator's fix but nothing secret.
//
// Only what Bedrock refused before running it is refunded (throttled, unavailable, denied, invalid,
// no such model); a call that timed out after it was sent, or that the model failed while
// processing, is billed by Bedrock and so stays charged here.
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

/** The failures an operator must fix, recognised by exception name and message. */
const OPERATOR_FIXES: { name: string; message: RegExp; text: (model: string) => string }[] = [
  {
    name: 'ResourceNotFoundException',
    message: /end of (its )?life/i,
    text: (m) => `The model ${m} has reached its end of life on Bedrock and no longer answers. The operator must move to a current model (npm run doctor lists them).`,
  },
  {
    name: 'ValidationException',
    message: /on-demand throughput isn.t supported/i,
    text: (m) => `The model ${m} can only be called through an inference profile. The operator must configure its profile ID (us./eu./global.${m}) instead.`,
  },
  {
    name: 'AccessDeniedException',
    message: /use case details have not been submitted|use-case form/i,
    text: (m) => `The model ${m} needs Anthropic’s one-time use case form. The operator must submit it in the Bedrock console (Model catalog → the model → Submit use case details), then wait about 15 minutes.`,
  },
  {
    name: 'AccessDeniedException',
    message: /AWS Marketplace actions/i,
    text: (m) => `This deployment has not been granted access to ${m}: its first use needs an AWS Marketplace subscription. The operator must open the model once in the Bedrock console with a role allowed aws-marketplace:Subscribe.`,
  },
  {
    name: 'AccessDeniedException',
    message: /is not authorized to perform/i,
    text: (m) => `The model function’s role may not invoke ${m}. The operator must deploy the stack with this model in TOLLGATE_MODELS (its IAM grant follows that list).`,
  },
  {
    name: 'AccessDeniedException',
    message: /don.t have access to the model/i,
    text: (m) => `This deployment has not been granted access to ${m}. The operator must enable it in the Bedrock console (Model access) for this account and Region.`,
  },
];

export function classifyBedrockError(error: unknown, modelId: string): ModelError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const message = error instanceof Error ? error.message : '';
  const fix = OPERATOR_FIXES.find((f) => f.name === name && f.message.test(message));
  if (fix) return new ModelError(fix.text(modelId) + ' Your quota was not charged.', false, false, false);
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
