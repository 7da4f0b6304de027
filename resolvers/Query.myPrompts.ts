// @dataSource PromptsTable
// The caller's prompt log, newest first, a page at a time. The cursor is the last id of the page
// before (ids are time-ordered ULIDs), so a client can hand back nothing that reaches DynamoDB
// except a position within its own log. At most MAX_LIMIT items per call, and the API's
// resolver-count limit bounds the calls per request.
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import type { PromptPage, PromptRecord, QueryMyPromptsArgs } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';
import { dataSourceError, validationError } from './lib/errors.ts';
import { isPromptId } from './lib/ids.ts';
import { promptRecordOf, type StoredPrompt } from './lib/prompt.ts';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export function request(ctx: Context<QueryMyPromptsArgs>): DynamoDBQueryRequest {
  const caller = callerOf(ctx);
  const limit = ctx.args.limit ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > MAX_LIMIT) {
    validationError('limit', 'outOfRange', `limit must be from 1 to ${MAX_LIMIT}. Received: ${limit}`);
  }
  const after = ctx.args.nextToken;
  if (after !== null && after !== undefined && !isPromptId(after)) {
    validationError('nextToken', 'invalid', 'nextToken is not one this API gave you. Start again without it.');
  }
  const mine = { ':userId': { S: caller.userId } };
  return {
    operation: 'Query',
    query: after
      ? { expression: 'userId = :userId AND id < :after', expressionValues: { ...mine, ':after': { S: after } } }
      : { expression: 'userId = :userId', expressionValues: mine },
    scanIndexForward: false,
    limit,
  };
}

export function response(ctx: Context<QueryMyPromptsArgs>): PromptPage {
  if (ctx.error) dataSourceError('myPrompts', ctx.error);
  const page = ctx.result as { items: StoredPrompt[]; nextToken: string | null };
  const items: PromptRecord[] = page.items.map(promptRecordOf);
  const last = items.length > 0 ? items[items.length - 1].id : null;
  return { items, nextToken: page.nextToken ? last : null };
}
