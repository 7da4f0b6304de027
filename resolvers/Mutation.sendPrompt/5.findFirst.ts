// @dataSource PromptsTable
// A duplicate whose first attempt is no longer running: its answer, if it has one, is returned as
// it was and not charged again. If the first attempt is gone (deleted, or its request never
// settled) the duplicate runs afresh and is charged, taking over the key.
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { dataSourceError } from '../lib/errors.ts';
import { leasesAt, refuseIfOverLimit, type PromptStash, type StoredPrompt } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBGetItemRequest {
  const s = ctx.stash;
  if (!s.lookup) {
    runtime.earlyReturn(null);
  }
  return { operation: 'GetItem', key: { userId: { S: s.input.userId }, id: { S: s.lookup as string } }, consistentRead: true };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) dataSourceError('findFirst', ctx.error);
  const s = ctx.stash;
  const item = ctx.result as StoredPrompt | null;
  // A streamed prompt's id names one generation, so its restart returns however it ended.
  if (item && (item.status === 'COMPLETED' || item.status === 'BLOCKED' || s.input.streamed)) {
    s.replay = {
      id: item.id,
      prompt: item.prompt,
      response: item.response ?? '',
      model: item.model,
      queries: item.queries ?? 0,
      balance: item.balance ?? 0,
      usage: { inputTokens: item.inputTokens ?? 0, outputTokens: item.outputTokens ?? 0 },
      createdAt: item.createdAt,
      status: item.status,
      // A prompt logged before conversations has none: the retry's own id stands in.
      conversationId: item.conversationId ?? s.input.conversationId,
      contextTurns: item.contextTurns ?? 0,
    };
    return null;
  }
  if (s.input.streamed && s.lookup === s.input.id) {
    // A chosen promptId is never admitted twice (two leases of one id could not both settle):
    // its first run left no record yet, and the reconciler will write it. Same admission.
    s.started = s.lookup;
    return null;
  }
  const usage = s.usage ?? {};
  const leases = leasesAt(usage, util.time.nowEpochMilliSeconds());
  refuseIfOverLimit(s.input, usage, leases.live.length);
  s.readmit = { live: leases.live, all: leases.all, claim: s.lookup ?? null };
  return null;
}
