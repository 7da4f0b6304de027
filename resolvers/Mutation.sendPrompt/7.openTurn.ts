// @dataSource ConversationsTable
// Counts an admitted prompt into its conversation: one conditional UpdateItem on the header that
// creates it (a new conversation, titled from this first prompt) or, while it is not deleted,
// moves its activity; the new turn count is this prompt's seq, so prompts sent at once are
// ordered by admission. Only admitted prompts get here: a refused prompt or a retry's replay
// leaves the conversation as it was. If the conversation was deleted since it was read (or the
// write failed), the prompt does not go to the model and is settled as failed, refunded.
import { runtime } from '@aws-appsync/utils';
import type { Context, DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { activityOf, CONVERSATION_NOT_FOUND, titleFrom } from '../lib/conversation.ts';
import { ErrorType, isRetryable } from '../lib/errors.ts';
import { recordEvent } from '../lib/events.ts';
import type { PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBUpdateItemRequest {
  const s = ctx.stash;
  if (!s.admitted || s.replay) {
    runtime.earlyReturn(null);
  }
  const input = s.input;
  return {
    operation: 'UpdateItem',
    key: { userId: { S: input.userId }, id: { S: input.conversationId } },
    update: {
      expression:
        'SET turns = if_not_exists(turns, :zero) + :one, lastActiveAt = :now, activity = :activity, expiresAt = :expiresAt, ' +
        'title = if_not_exists(title, :title), createdAt = if_not_exists(createdAt, :now)',
      expressionValues: {
        ':zero': { N: 0 },
        ':one': { N: 1 },
        ':now': { S: input.createdAt },
        ':activity': { S: activityOf(input.createdAt, input.conversationId) },
        // Kept as long as its newest turn's log record.
        ':expiresAt': { N: input.expiresAt },
        ':title': { S: titleFrom(input.prompt) },
      },
    },
    condition: input.newConversation ? { expression: 'attribute_not_exists(id)' } : { expression: 'attribute_exists(id) AND attribute_not_exists(deleted)' },
  };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  const s = ctx.stash;
  if (ctx.error) {
    // Nothing reached the model: the prompt is settled FAILED and refunded by the next steps.
    const deleted = ctx.error.type === 'DynamoDB:ConditionalCheckFailedException';
    if (!deleted) {
      recordEvent('ServiceBusy', { where: 'openTurn', cause: ctx.error.type });
      console.error(JSON.stringify({ level: 'error', step: 'openTurn', causeType: ctx.error.type, retryable: isRetryable(ctx.error), cause: ctx.error.message }));
    }
    s.modelError = deleted
      ? { message: CONVERSATION_NOT_FOUND + ' It was deleted; your quota was not charged.', errorType: ErrorType.NotFound, retryable: false, charged: false, timedOut: false }
      : { message: 'The service is busy right now. Your quota was not charged; try again in a moment.', errorType: ErrorType.RateLimited, retryable: true, charged: false, timedOut: false };
    s.settled = 'none';
    return null;
  }
  s.seq = (ctx.result as { turns: number }).turns;
  return null;
}
