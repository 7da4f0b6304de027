// Mutation.startPrompt: sendPrompt's admission (the before step validates the input,
// lib/validate-prompt.ts; then claimAccess (account, conversation and the id's claim in one
// transaction) → readContext → reserveQuota → readUsage → findFirst → readmit → openTurn), then
// invokeStream hands the prompt and its kept turns to the stream function; logPrompt and settle
// act only when openTurn found the conversation deleted or Lambda did not take the prompt. The
// after step answers the admission: this prompt's, or, for a restart, the first one's.
import type { Context } from '@aws-appsync/utils';
import type { MutationStartPromptArgs, StartPromptResult } from '../../generated/graphql.ts';
import { leaseConversation, type PromptStash } from '../lib/prompt.ts';
import { validatePrompt } from '../lib/validate-prompt.ts';

export function request(ctx: Context<MutationStartPromptArgs, PromptStash>): Record<string, never> {
  validatePrompt(ctx);
  return {};
}

export function response(ctx: Context<MutationStartPromptArgs, PromptStash>): StartPromptResult {
  const s = ctx.stash;
  const input = s.input;
  const limit = input.limits.dailyPromptLimit;
  // A restart is answered with today's count as it stands: nothing more was charged for it.
  const today = s.usage && s.usage.queries !== undefined ? s.usage.queries : 0;
  if (s.replay) {
    const queries = s.replay.queries || today;
    const replay = s.replay;
    return {
      id: replay.id,
      model: replay.model,
      queries,
      balance: Math.max(0, limit - queries),
      createdAt: replay.createdAt,
      status: replay.status,
      conversationId: replay.conversationId,
      contextTurns: replay.contextTurns,
    };
  }
  if (s.started) {
    // Still running (a stream, or a blocking sendPrompt under the same idempotency key): its lease,
    // the one thing read of it, names its conversation and turns. (A lease written before leases
    // carried them: the restart's own conversation and no turns stand in.)
    const first = leaseConversation(s.usage, s.started);
    return {
      id: s.started,
      model: input.model,
      queries: today,
      balance: Math.max(0, limit - today),
      createdAt: input.createdAt,
      status: null,
      conversationId: first ? first.id : input.conversationId,
      contextTurns: first ? first.contextTurns : 0,
    };
  }
  const queries = s.queries ?? 0;
  return {
    id: input.id,
    model: input.model,
    queries,
    balance: Math.max(0, limit - queries),
    createdAt: input.createdAt,
    status: null,
    conversationId: input.conversationId,
    contextTurns: (s.history ?? []).length,
  };
}
