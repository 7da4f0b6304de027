// @dataSource ModelFunction
// Calls the model Lambda (Bedrock Converse) for an admitted prompt; anything else skips it, so
// no refused prompt or duplicate ever occupies the model function. Failures are kept for settle,
// which refunds what Bedrock did not run and charges what it may have.
import { runtime } from '@aws-appsync/utils';
import type { Context, LambdaRequest } from '@aws-appsync/utils';
import type { ModelAnswer, ModelEvent, ModelFailureInfo, Outcome } from '../../functions/commons/contracts.ts';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import type { PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): LambdaRequest {
  const s = ctx.stash;
  if (!s.admitted) {
    runtime.earlyReturn(null);
  }
  const input = s.input;
  const payload: ModelEvent = { modelId: input.model, prompt: input.prompt, maxTokens: input.maxTokens, temperature: input.temperature };
  return { operation: 'Invoke', payload };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) {
    // The function itself failed. Past its timeout the request had been sent and Bedrock may have
    // run it: charged. A crash is ours, and most likely came before the call: refunded.
    const error = ctx.error as { message: string; type: string; unhandledErrorType?: string };
    const timedOut = error.unhandledErrorType === 'Sandbox.Timedout' || error.message.includes('timed out');
    console.error(JSON.stringify({ level: 'error', step: 'invokeModel', causeType: error.type, cause: error.message }));
    ctx.stash.modelError = timedOut
      ? { message: 'The model did not answer in time. This prompt was charged, as the model may have run it.', retryable: true, charged: true, timedOut: true }
      : { message: 'The model could not be reached. Your quota was not charged; please try again.', retryable: true, charged: false, timedOut: false };
    return null;
  }
  const outcome = ctx.result as Outcome<ModelAnswer>;
  if (outcome.error) {
    const info = outcome.error.info as ModelFailureInfo | null;
    ctx.stash.modelError = {
      message: outcome.error.message,
      retryable: info ? info.retryable : false,
      charged: info ? info.charged : true,
      timedOut: info ? info.timedOut : false,
    };
    return null;
  }
  ctx.stash.answer = outcome.data;
  return null;
}
