// Mutation.sendPrompt: validateInput → checkToken → readConversation → readContext → reserveQuota
// → readUsage → findFirst → readmit → openTurn → invokeModel → logPrompt → settle. The steps raise
// their own errors; the after step returns what settle produced.
import type { Context } from '@aws-appsync/utils';
import type { MutationSendPromptArgs, SendPromptResult } from '../../generated/graphql.ts';

export function request(_ctx: Context<MutationSendPromptArgs>): Record<string, never> {
  return {};
}

export function response(ctx: Context<MutationSendPromptArgs>): SendPromptResult {
  return ctx.prev.result as SendPromptResult;
}
