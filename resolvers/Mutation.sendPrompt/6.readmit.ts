// @dataSource UsageTable
// Admits a prompt the first write refused although no limit is reached: leases whose request
// ended without settling (a crash) held the in-flight slots, or a duplicate takes over the key of
// a first attempt that is gone, or the first write failed. The write is conditional on the usage
// item being as it was read, so two such prompts cannot both take the last slot; the loser is
// asked to retry. Expired leases stay in the item for the reconciler, which settles them.
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { dataSourceError, ErrorType } from '../lib/errors.ts';
import { recordEvent } from '../lib/events.ts';
import { admission, type PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBUpdateItemRequest {
  const s = ctx.stash;
  if (!s.readmit || s.replay) {
    runtime.earlyReturn(null);
  }
  const readmit = s.readmit as NonNullable<PromptStash['readmit']>;
  return admission(s.input, { kind: 'replace', all: readmit.all, live: readmit.live }, readmit.claim);
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      recordEvent('RateLimited', { window: 'contended' });
      util.error('Another prompt of yours changed your usage at the same moment. Try again.', ErrorType.RateLimited, null, { retryAfterSeconds: 1 });
    }
    dataSourceError('readmit', ctx.error);
  }
  ctx.stash.admitted = true;
  ctx.stash.queries = (ctx.result as { queries: number }).queries;
  return null;
}
