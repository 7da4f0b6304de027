// @dataSource ModelFunction
// Calls the model Lambda for an admitted prompt; anything else skips it, so no refused prompt or
// duplicate ever occupies the model function. The function calls Bedrock and then settles the
// prompt itself (log record, then usage), with the SDK's retries that AppSync does not have; what
// it could not settle, and a function that failed as a whole, are left to the next two steps.
import { runtime } from '@aws-appsync/utils';
import type { Context, LambdaRequest } from '@aws-appsync/utils';
import type { ModelFailureInfo, ModelOutcome } from '../../functions/commons/contracts.ts';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { lambdaNeverRan } from '../lib/errors.ts';
import { modelEventOf, type PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): LambdaRequest {
  const s = ctx.stash;
  // Not admitted, or its turn could not be opened (openTurn): it never occupies the model function.
  if (!s.admitted || s.modelError) {
    runtime.earlyReturn(null);
  }
  return { operation: 'Invoke', payload: modelEventOf(s) };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  const s = ctx.stash;
  if (ctx.error) {
    // The function failed as a whole. Throttled or failed in init, it never ran: refunded. Timed
    // out or crashed, it may have called Bedrock (and even settled): charged by the timeout rule.
    const error = ctx.error as { message: string; type: string; unhandledErrorType?: string };
    console.error(JSON.stringify({ level: 'error', step: 'invokeModel', causeType: error.type, unhandledErrorType: error.unhandledErrorType ?? null, cause: error.message }));
    s.modelError = lambdaNeverRan(error)
      ? { message: 'The model could not be reached. Your quota was not charged; please try again.', retryable: true, charged: false, timedOut: false }
      : { message: 'The model did not answer in time. This prompt was charged, as the model may have run it.', retryable: true, charged: true, timedOut: true };
    s.settled = 'none';
    return null;
  }
  const outcome = ctx.result as ModelOutcome;
  s.settled = outcome.settled ?? 'none';
  if (outcome.error) {
    const info = outcome.error.info as ModelFailureInfo | null;
    s.modelError = {
      message: outcome.error.message,
      retryable: info ? info.retryable : false,
      charged: info ? info.charged : true,
      timedOut: info ? info.timedOut : false,
    };
    return null;
  }
  s.answer = outcome.data;
  return null;
}
