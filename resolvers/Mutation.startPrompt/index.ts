// Mutation.startPrompt: sendPrompt's admission (the before step validates the input,
// lib/validate-prompt.ts; then checkAccess → claimId → reserveQuota → readUsage → findFirst →
// readmit), then invokeStream hands the prompt to the stream function; logPrompt and settle act
// only when Lambda did not take it. The after step answers the admission: this prompt's, or, for a restart, the first one's.
import type { Context } from '@aws-appsync/utils';
import type { MutationStartPromptArgs, StartPromptResult } from '../../generated/graphql.ts';
import type { PromptStash } from '../lib/prompt.ts';
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
    return { id: s.replay.id, model: s.replay.model, queries, balance: Math.max(0, limit - queries), createdAt: s.replay.createdAt, status: s.replay.status };
  }
  if (s.started) {
    return { id: s.started, model: input.model, queries: today, balance: Math.max(0, limit - today), createdAt: input.createdAt, status: null };
  }
  const queries = s.queries ?? 0;
  return { id: input.id, model: input.model, queries, balance: Math.max(0, limit - queries), createdAt: input.createdAt, status: null };
}
