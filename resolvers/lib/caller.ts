// Who is calling and which limits apply: the authorizer's resolverContext, with the stack's
// defaults (AppSync environment variables) where the user has no override.
import { util } from '@aws-appsync/utils';
import type { AppSyncIdentityLambda, Context } from '@aws-appsync/utils';
import type { CallerContext } from '../../functions/commons/contracts.ts';
import { ErrorType } from './errors.ts';
import { recordEvent } from './events.ts';

export interface Limits {
  dailyPromptLimit: number;
  dailyTokenLimit: number;
  promptsPerMinute: number;
  promptsInFlight: number;
}

export function callerOf(ctx: Context): CallerContext {
  const identity = ctx.identity as AppSyncIdentityLambda | null | undefined;
  const rc = identity ? (identity.resolverContext as CallerContext | undefined) : undefined;
  if (rc && rc.unavailable) {
    // The authorizer could not check the token (AWS failing past its retries): a retry, not a logout.
    recordEvent('ServiceBusy', { where: 'authorizer' });
    return util.error('Your sign-in could not be checked just now. Try again in a moment.', ErrorType.RateLimited, null, { retryAfterSeconds: Number(rc.unavailable) });
  }
  if (!rc || !rc.userId) {
    return util.unauthorized();
  }
  return rc;
}

// A resolverContext cached before an upgrade lacks newer keys: the stack's default applies.
function pick(override: string | undefined, fallback: string): number {
  return override !== undefined && override !== '' ? Number(override) : Number(fallback);
}

export function limitsOf(ctx: Context, caller: CallerContext): Limits {
  return {
    dailyPromptLimit: pick(caller.dailyPromptLimit, ctx.env.DAILY_PROMPT_LIMIT),
    dailyTokenLimit: pick(caller.dailyTokenLimit, ctx.env.DAILY_TOKEN_LIMIT),
    promptsPerMinute: pick(caller.promptsPerMinute, ctx.env.PROMPTS_PER_MINUTE),
    promptsInFlight: pick(caller.promptsInFlight, ctx.env.PROMPTS_IN_FLIGHT),
  };
}
