// @dataSource PromptsTable
// No log record yet: the claim item of a streamed prompt of the caller's still being written
// (resolvers/lib/claim.ts), shown as STREAMING with the answer so far, until its record must be
// there. Anything else: NotFound.
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { PromptRecord, QueryPromptArgs } from '../../generated/graphql.ts';
import { callerOf } from '../lib/caller.ts';
import { claimKey, type ClaimItem } from '../lib/claim.ts';
import { dataSourceError, ErrorType } from '../lib/errors.ts';
import { NOT_YOURS } from '../lib/prompt.ts';
import { streamSettledMs } from '../lib/settlement.ts';

export function request(ctx: Context<QueryPromptArgs>): DynamoDBGetItemRequest {
  if (ctx.prev.result) {
    runtime.earlyReturn(ctx.prev.result);
  }
  return { operation: 'GetItem', key: claimKey(ctx.args.id), consistentRead: true };
}

export function response(ctx: Context<QueryPromptArgs>): PromptRecord {
  if (ctx.error) dataSourceError('prompt.readClaim', ctx.error);
  const claim = ctx.result as ClaimItem | null;
  if (!claim || claim.owner !== callerOf(ctx).userId) {
    return util.error(NOT_YOURS, ErrorType.NotFound);
  }
  // Past the time its record is written by (lib/settlement.ts streamSettledMs), a claim without a
  // record is a prompt deleted since (deletePrompt, a purged conversation): nothing of it shows.
  if (util.time.nowEpochMilliSeconds() > util.time.parseISO8601ToEpochMilliSeconds(claim.createdAt) + streamSettledMs(Number(ctx.env.STREAM_TIMEOUT_SECONDS))) {
    return util.error(NOT_YOURS, ErrorType.NotFound);
  }
  // Its turn is known from the first snapshot on (functions/stream); before that, null.
  return {
    id: ctx.args.id,
    prompt: claim.prompt,
    response: claim.partial ?? '',
    model: claim.model,
    status: 'STREAMING',
    usage: null,
    createdAt: claim.createdAt,
    conversationId: claim.conversationId ?? null,
    seq: claim.seq ?? null,
  };
}
