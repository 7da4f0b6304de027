// @dataSource ConversationsTable
// A prompt into a named conversation: reads its header, consistently, under the caller's own key,
// so another user's conversation, an unknown one and one being deleted are all NotFound before
// anything is charged. A prompt that starts a conversation skips it.
import { runtime } from '@aws-appsync/utils';
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { notFound, type StoredConversation } from '../lib/conversation.ts';
import { dataSourceError } from '../lib/errors.ts';
import type { PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBGetItemRequest {
  const input = ctx.stash.input;
  if (input.newConversation) {
    runtime.earlyReturn(null);
  }
  return { operation: 'GetItem', key: { userId: { S: input.userId }, id: { S: input.conversationId } }, consistentRead: true };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) dataSourceError('readConversation', ctx.error);
  const conversation = ctx.result as StoredConversation | null;
  if (!conversation || conversation.deleted === true) notFound();
  return null;
}
