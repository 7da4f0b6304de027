// @dataSource ModelFunction
// Calls the model Lambda (Bedrock Converse). Failures are kept for settle, which refunds.
// A retry that was not admitted asks the same Lambda for the first attempt's answer instead.
import { runtime } from '@aws-appsync/utils';
import type { Context, LambdaRequest } from '@aws-appsync/utils';
import type { ModelAnswer, ModelEvent, Outcome, ReplayData, ReplayEvent } from '../../functions/commons/contracts.ts';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import type { PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): LambdaRequest {
  const input = ctx.stash.input;
  if (ctx.stash.rejected) {
    if (!input.idempotencyKey) {
      runtime.earlyReturn(null);
    }
    const replay: ReplayEvent = { replay: { userId: input.userId, day: input.clock.day, idempotencyKey: input.idempotencyKey as string } };
    return { operation: 'Invoke', payload: replay };
  }
  const payload: ModelEvent = { modelId: input.model, prompt: input.prompt, maxTokens: input.maxTokens, temperature: input.temperature };
  return { operation: 'Invoke', payload };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.stash.rejected) {
    const found = ctx.error ? null : (ctx.result as Outcome<ReplayData>);
    if (found && found.data && found.data.found) {
      ctx.stash.replay = found.data.result;
    } else if (found && found.error) {
      ctx.stash.modelError = { message: found.error.message, retryable: true };
    }
    return null;
  }
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
