// @dataSource PromptsTable
// The caller's log record of that id. The key includes the caller's id, so another user's
// prompt is simply not there.
import { util } from '@aws-appsync/utils';
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { PromptRecord, QueryPromptArgs } from '../../generated/graphql.ts';
import { callerOf } from '../lib/caller.ts';
import { dataSourceError, ErrorType } from '../lib/errors.ts';
import { isPromptId } from '../lib/ids.ts';
import { NOT_YOURS, promptRecordOf, type StoredPrompt } from '../lib/prompt.ts';

export function request(ctx: Context<QueryPromptArgs>): DynamoDBGetItemRequest {
  const caller = callerOf(ctx);
  if (!isPromptId(ctx.args.id)) util.error(NOT_YOURS, ErrorType.NotFound);
  return { operation: 'GetItem', key: { userId: { S: caller.userId }, id: { S: ctx.args.id } }, consistentRead: true };
}

export function response(ctx: Context<QueryPromptArgs>): PromptRecord | null {
  if (ctx.error) dataSourceError('prompt.readRecord', ctx.error);
  const item = ctx.result as StoredPrompt | null;
  return item ? promptRecordOf(item) : null;
}
