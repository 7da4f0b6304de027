// @dataSource UsageTable
// A prompt that was not admitted: reads today's usage to find out why. A duplicate of a prompt
// still with the model is told to retry at once (it never waits on the model function); a
// duplicate of a finished one is looked up next; a reached limit is raised here; otherwise
// leases that outlived their request are what held the slot, and the prompt is admitted again.
// After a failed admission write, this prompt's own lease in the item means it was admitted.
// A streamed prompt's duplicate still running is not refused: startPrompt answers its admission.
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { dataSourceError, ErrorType } from '../lib/errors.ts';
import { DUPLICATE_RETRY_SECONDS, idempotencyAttr, leasePromptId, leasesAt, refuseIfOverLimit, usageKey, type PromptStash, type UsageItem } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBGetItemRequest {
  if (ctx.stash.admitted) {
    runtime.earlyReturn(null);
  }
  return { operation: 'GetItem', key: usageKey(ctx.stash.input), consistentRead: true };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) dataSourceError('readUsage', ctx.error);
  const input = ctx.stash.input;
  const item = (ctx.result ?? {}) as UsageItem;
  ctx.stash.usage = item;
  const leases = leasesAt(item, util.time.nowEpochMilliSeconds());
  if (ctx.stash.uncertain && leases.all.includes(input.lease)) {
    ctx.stash.admitted = true;
    ctx.stash.queries = item.queries ?? 0;
    return null;
  }
  const claim = input.idempotencyKey ? (item[idempotencyAttr(input.idempotencyKey)] as string | undefined) : undefined;
  if (claim) {
    if (leases.live.some((lease) => leasePromptId(lease) === claim)) {
      // A streamed prompt's restart gets the same admission: its stream is still being written.
      if (input.streamed) {
        ctx.stash.started = claim;
        return null;
      }
      util.error('The first request with this idempotency key is still being answered. Retry in a moment.', ErrorType.RateLimited, null, {
        retryAfterSeconds: DUPLICATE_RETRY_SECONDS,
      });
    }
    ctx.stash.lookup = claim;
    return null;
  }
  refuseIfOverLimit(input, item, leases.live.length);
  ctx.stash.readmit = { live: leases.live, all: leases.all, claim: null };
  return null;
}
