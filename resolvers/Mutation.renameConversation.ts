// @dataSource ConversationsTable
// Renames one of the caller's conversations, conditionally on it being there and not deleted;
// another user's is not under the caller's key: NotFound.
import type { Context, DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import type { Conversation, MutationRenameConversationArgs } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';
import { conversationOf, isConversationId, MAX_TITLE_CHARS, notFound, type StoredConversation } from './lib/conversation.ts';
import { dataSourceError, validationError } from './lib/errors.ts';
import { textFacts } from './lib/text.ts';

export function request(ctx: Context<MutationRenameConversationArgs>): DynamoDBUpdateItemRequest {
  const caller = callerOf(ctx);
  const { id, title } = ctx.args;
  const text = textFacts(title);
  if (text.broken || text.control) validationError('title', 'invalidCharacters', 'The title cannot hold control characters or broken Unicode.');
  if (!text.visible) validationError('title', 'empty', 'The title is empty.');
  if (text.codePoints > MAX_TITLE_CHARS) validationError('title', 'tooLong', `The title has ${text.codePoints} characters; at most ${MAX_TITLE_CHARS} are allowed.`);
  if (!isConversationId(id)) notFound();
  return {
    operation: 'UpdateItem',
    key: { userId: { S: caller.userId }, id: { S: id } },
    update: { expression: 'SET title = :title', expressionValues: { ':title': { S: title.trim() } } },
    condition: { expression: 'attribute_exists(id) AND attribute_not_exists(deleted)' },
  };
}

export function response(ctx: Context<MutationRenameConversationArgs>): Conversation {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') notFound();
    dataSourceError('renameConversation', ctx.error);
  }
  // AppSync answers a failed condition as a success when the item already looks updated: a
  // deleted conversation is still NotFound then.
  const item = ctx.result as StoredConversation | null;
  if (!item || item.deleted === true) notFound();
  return conversationOf(item as StoredConversation);
}
