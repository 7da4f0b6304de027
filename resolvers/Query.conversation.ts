// @dataSource ConversationsTable
// One of the caller's conversations. The key holds the caller's id, so another user's
// conversation is not there: NotFound, as for an unknown or deleted one.
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { Conversation, QueryConversationArgs } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';
import { conversationOf, isConversationId, notFound, type StoredConversation } from './lib/conversation.ts';
import { dataSourceError } from './lib/errors.ts';

export function request(ctx: Context<QueryConversationArgs>): DynamoDBGetItemRequest {
  const caller = callerOf(ctx);
  if (!isConversationId(ctx.args.id)) notFound();
  return { operation: 'GetItem', key: { userId: { S: caller.userId }, id: { S: ctx.args.id } }, consistentRead: true };
}

export function response(ctx: Context<QueryConversationArgs>): Conversation {
  if (ctx.error) dataSourceError('conversation', ctx.error);
  const item = ctx.result as StoredConversation | null;
  if (!item || item.deleted === true) notFound();
  return conversationOf(item as StoredConversation);
}
