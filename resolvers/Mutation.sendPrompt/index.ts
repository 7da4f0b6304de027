// Mutation.sendPrompt: the before step validates the input (lib/validate-prompt.ts; no data
// source, so no pipeline function: AppSync allows at most 10), then checkAccess (account and
// conversation) → readContext → reserveQuota → readUsage → findFirst → readmit → openTurn →
// invokeModel → logPrompt → settle. The steps raise their own errors; the after step returns
// what settle produced.
import type { Context } from '@aws-appsync/utils';
import type { MutationSendPromptArgs, SendPromptResult } from '../../generated/graphql.ts';
import type { PromptStash } from '../lib/prompt.ts';
import { validatePrompt } from '../lib/validate-prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): Record<string, never> {
  validatePrompt(ctx);
  return {};
}

export function response(ctx: Context<MutationSendPromptArgs>): SendPromptResult {
  return ctx.prev.result as SendPromptResult;
}
