// @dataSource ConversationsTable
// Deletes one of the caller's conversations in one write: marked deleted, it is at once unreadable
// (conversation, its turns), unusable as context (sendPrompt's checkAccess and openTurn),
// gone from myConversations (its `activity` goes, so the ByActivity index drops it), and named in
// the ByPurge index, from which the reconciler purges its turns' records and then the header. A
// long conversation cannot be deleted in one transaction (100 items at most), hence the two stages.
import type { Context, DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import type { MutationDeleteConversationArgs } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';
import { isConversationId, notFound, PURGE_PARTITION, type StoredConversation } from './lib/conversation.ts';
import { dataSourceError } from './lib/errors.ts';
import { clock } from './lib/time.ts';

export function request(ctx: Context<MutationDeleteConversationArgs>): DynamoDBUpdateItemRequest {
  const caller = callerOf(ctx);
  if (!isConversationId(ctx.args.id)) notFound();
  return {
    operation: 'UpdateItem',
    key: { userId: { S: caller.userId }, id: { S: ctx.args.id } },
    update: {
      expression: 'SET deleted = :yes, deletedAt = :now, purge = :purge REMOVE activity',
      expressionValues: { ':yes': { BOOL: true }, ':now': { S: clock().nowIso }, ':purge': { S: PURGE_PARTITION } },
    },
    condition: { expression: 'attribute_exists(id) AND attribute_not_exists(deleted)' },
  };
}

export function response(ctx: Context<MutationDeleteConversationArgs>): boolean {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') notFound();
    dataSourceError('deleteConversation', ctx.error);
  }
  if (!(ctx.result as StoredConversation | null)) notFound();
  return true;
}
