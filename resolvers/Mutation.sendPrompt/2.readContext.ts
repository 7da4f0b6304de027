// @dataSource PromptsTable
// The earlier turns a prompt into a conversation is sent with: one Query of the Prompts table's
// ByConversation index, newest first, however long the conversation (MAX_CONTEXT_TURNS at most,
// one page). The newest answered turns that fit the input budget are kept (lib/context.ts), and
// the reservation and the lease grow by their bound, so what admission charges covers everything
// the model is sent. Prompts still with the model are not there yet: each prompt gets the
// context as it stood when it was admitted.
import { runtime } from '@aws-appsync/utils';
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { MAX_CONTEXT_TURNS, planContext, type ContextTurn } from '../lib/context.ts';
import { conversationKey, TURNS_INDEX } from '../lib/conversation.ts';
import { dataSourceError } from '../lib/errors.ts';
import type { PromptStash, StoredPrompt } from '../lib/prompt.ts';
import { leaseOf } from '../lib/settlement.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBQueryRequest {
  const input = ctx.stash.input;
  if (input.newConversation) {
    runtime.earlyReturn(null);
  }
  return {
    operation: 'Query',
    index: TURNS_INDEX,
    query: { expression: 'conversationKey = :key', expressionValues: { ':key': { S: conversationKey(input.userId, input.conversationId) } } },
    scanIndexForward: false,
    limit: MAX_CONTEXT_TURNS,
  };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) dataSourceError('readContext', ctx.error);
  const input = ctx.stash.input;
  const page = ctx.result as { items: StoredPrompt[] };
  // Only answered turns are context: a failed prompt has no answer to alternate with.
  const answered: ContextTurn[] = page.items
    .filter((item) => item.status === 'COMPLETED' && typeof item.response === 'string' && item.response !== '')
    .map((item) => ({ prompt: item.prompt, response: item.response as string }));
  const plan = planContext(answered, input.baseInput, input.inputBudget);
  ctx.stash.history = plan.kept;
  input.reserve = plan.inputBound + input.maxTokens;
  input.lease = leaseOf(input.leaseDeadline, input.id, input.reserve, input.maxTokens, input.model, { id: input.conversationId, contextTurns: plan.kept.length });
  return null;
}
