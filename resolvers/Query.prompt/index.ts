// Query.prompt: one of the caller's prompts, for a client catching up on a stream it joined late
// or after it ended. readRecord finds the log record (the whole answer, once the prompt ended);
// without one, readClaim shows a streamed prompt still being written, with the answer so far.
import type { Context } from '@aws-appsync/utils';
import type { PromptRecord, QueryPromptArgs } from '../../generated/graphql.ts';

export function request(_ctx: Context<QueryPromptArgs>): Record<string, never> {
  return {};
}

export function response(ctx: Context<QueryPromptArgs>): PromptRecord {
  return ctx.prev.result as PromptRecord;
}
