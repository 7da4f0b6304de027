// @dataSource ConversationsTable
// The conversation must be the caller's and not deleted, or none of its turns is readable.
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { QueryConversationTurnsArgs } from '../../generated/graphql.ts';
import { callerOf } from '../lib/caller.ts';
import { isConversationId, notFound, type StoredConversation } from '../lib/conversation.ts';
import { dataSourceError } from '../lib/errors.ts';

export function request(ctx: Context<QueryConversationTurnsArgs>): DynamoDBGetItemRequest {
  const caller = callerOf(ctx);
  if (!isConversationId(ctx.args.conversationId)) notFound();
  return { operation: 'GetItem', key: { userId: { S: caller.userId }, id: { S: ctx.args.conversationId } }, consistentRead: true };
}

export function response(ctx: Context<QueryConversationTurnsArgs>): null {
  if (ctx.error) dataSourceError('conversationTurns', ctx.error);
  const item = ctx.result as StoredConversation | null;
  if (!item || item.deleted === true) notFound();
  return null;
}
