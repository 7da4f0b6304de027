// @dataSource UsageTable
// Admits the prompt with one atomic conditional write on today's usage item: the day's prompt
// count, the current minute's count, the day's token budget and the prompts in flight are checked
// and charged together, so N concurrent prompts against a limit of N are all admitted and the
// N+1st is not. With an idempotency key the same write claims the key for the day, so a retry is
// never charged twice. A refusal is looked into by the next steps, and so is a retryable failure:
// DynamoDB may have applied a write whose answer was lost (a 500), so readUsage looks for this
// prompt's lease before anything is tried again.
import type { Context, DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { internalError, isRetryable } from '../lib/errors.ts';
import { admission, type PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBUpdateItemRequest {
  return admission(ctx.stash.input, { kind: 'add' }, null);
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') return null;
    if (isRetryable(ctx.error)) {
      ctx.stash.uncertain = true;
      return null;
    }
    internalError('reserveQuota', ctx.error);
  }
  ctx.stash.admitted = true;
  ctx.stash.queries = (ctx.result as { queries: number }).queries;
  return null;
}
