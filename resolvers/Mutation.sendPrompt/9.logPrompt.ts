// @dataSource PromptsTable
// Writes the prompt's log record when the model function did not (it failed as a whole, or its
// writes failed past its retries): the first of settling's two writes (lib/settlement.ts), only
// if no record exists. A different record there means someone else settled the prompt first.
import { runtime } from '@aws-appsync/utils';
import type { Context, DynamoDBPutItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { isRetryable } from '../lib/errors.ts';
import { recordEvent } from '../lib/events.ts';
import { pendingOf, type PromptStash } from '../lib/prompt.ts';
import { logWrite, recordOf } from '../lib/settlement.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBPutItemRequest {
  const s = ctx.stash;
  if (!s.admitted || s.replay || s.settled !== 'none') {
    runtime.earlyReturn(null);
  }
  const pending = pendingOf(s);
  const write = logWrite(pending, recordOf(pending, { answer: s.answer ?? null, failure: s.modelError ?? null }).attributes);
  return { operation: 'PutItem', key: write.key, attributeValues: write.attributes, condition: { expression: write.condition } };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  const s = ctx.stash;
  if (!ctx.error) {
    s.settled = 'logged';
    return null;
  }
  if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
    s.settled = 'elsewhere';
    return null;
  }
  // No record: the lease stays, and the reconciler settles the prompt by the timeout rule.
  recordEvent('SettleDeferred', { step: 'logPrompt', cause: ctx.error.type, retryable: isRetryable(ctx.error) });
  console.error(JSON.stringify({ level: 'error', step: 'logPrompt', causeType: ctx.error.type, cause: ctx.error.message }));
  return null;
}
