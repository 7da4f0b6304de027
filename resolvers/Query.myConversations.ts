// @dataSource ConversationsTable
// The caller's conversations, most recently active first, a page at a time: one consistent Query
// of the ByActivity local index under the caller's id, which holds only conversations not deleted.
// The cursor is the last item's activity key (its time and id), so nothing a client hands back
// reaches DynamoDB except a position within its own list.
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import type { ConversationPage, QueryMyConversationsArgs } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';
import { ACTIVITY_INDEX, activityOf, conversationOf, isActivityCursor, pageSize, type StoredConversation } from './lib/conversation.ts';
import { dataSourceError, validationError } from './lib/errors.ts';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export function request(ctx: Context<QueryMyConversationsArgs>): DynamoDBQueryRequest {
  const caller = callerOf(ctx);
  const limit = pageSize(ctx.args.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const after = ctx.args.nextToken;
  if (after !== null && after !== undefined && !isActivityCursor(after)) {
    validationError('nextToken', 'invalid', 'nextToken is not one this API gave you. Start again without it.');
  }
  const mine = { ':userId': { S: caller.userId } };
  return {
    operation: 'Query',
    index: ACTIVITY_INDEX,
    query: after
      ? { expression: 'userId = :userId AND activity < :after', expressionValues: { ...mine, ':after': { S: after } } }
      : { expression: 'userId = :userId', expressionValues: mine },
    scanIndexForward: false,
    consistentRead: true,
    limit,
  };
}

export function response(ctx: Context<QueryMyConversationsArgs>): ConversationPage {
  if (ctx.error) dataSourceError('myConversations', ctx.error);
  const page = ctx.result as { items: StoredConversation[]; nextToken: string | null };
  const items = page.items.map(conversationOf);
  const last = items.length > 0 ? items[items.length - 1] : null;
  return { items, nextToken: page.nextToken && last ? activityOf(last.lastActiveAt, last.id) : null };
}
