// @dataSource ModelFunction
// Calls the model Lambda (Bedrock Converse). Failures are kept for settle, which refunds.
import { runtime } from '@aws-appsync/utils';
import type { Context, LambdaRequest } from '@aws-appsync/utils';
import type { ModelEvent, Outcome, ModelAnswer } from '../../functions/commons/contracts.ts';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import type { PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): LambdaRequest {
  if (ctx.stash.rejected) {
    runtime.earlyReturn(null);
  }
  const input = ctx.stash.input;
  const payload: ModelEvent = { modelId: input.model, prompt: input.prompt, maxTokens: input.maxTokens, temperature: input.temperature };
  return { operation: 'Invoke', payload };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) {
    // The Lambda itself failed (crash or timeout): the model may be fine, so a retry may work.
    console.error(JSON.stringify({ level: 'error', step: 'invokeModel', causeType: ctx.error.type, cause: ctx.error.message }));
    ctx.stash.modelError = { message: 'The model did not answer in time. Your quota was not charged; please try again.', retryable: true };
    return null;
  }
  const outcome = ctx.result as Outcome<ModelAnswer>;
  if (outcome.error) {
    const info = outcome.error.info as { retryable: boolean } | null;
    ctx.stash.modelError = { message: outcome.error.message, retryable: info ? info.retryable : false };
    return null;
  }
  ctx.stash.answer = outcome.data;
  return null;
}
