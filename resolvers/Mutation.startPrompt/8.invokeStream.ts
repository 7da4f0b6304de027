// @dataSource StreamFunction
// Hands an admitted prompt to the stream function with an asynchronous (Event) invocation: the
// request ends now, and the function streams the answer through publishPromptEvent and settles
// it, its turn's conversation fields included (pendingOf carries the seq openTurn gave it). The
// event carries the kept earlier turns (`history`, as invokeModel sends them). If Lambda does not
// take the event, nothing ran: the next two steps (sendPrompt's logPrompt and settle) log the
// prompt as FAILED, refund it and answer ModelError. A refused prompt, a restart, a replay and a
// prompt whose conversation openTurn found deleted never reach the function.
import { runtime } from '@aws-appsync/utils';
import type { Context, LambdaRequest } from '@aws-appsync/utils';
import type { MutationStartPromptArgs } from '../../generated/graphql.ts';
import { modelEventOf, type PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationStartPromptArgs, PromptStash>): LambdaRequest {
  const s = ctx.stash;
  if (!s.admitted || s.modelError) {
    runtime.earlyReturn(null);
  }
  return { operation: 'Invoke', invocationType: 'Event', payload: modelEventOf(s) };
}

export function response(ctx: Context<MutationStartPromptArgs, PromptStash>): null {
  if (ctx.error) {
    const error = ctx.error as { message: string; type: string };
    console.error(JSON.stringify({ level: 'error', step: 'invokeStream', causeType: error.type, cause: error.message }));
    ctx.stash.modelError = { message: 'The model could not be reached. Your quota was not charged; please try again.', retryable: true, charged: false, timedOut: false };
    ctx.stash.settled = 'none';
  }
  return null;
}
