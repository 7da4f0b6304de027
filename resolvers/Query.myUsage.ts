// @dataSource UsageTable
// Today's usage: prompts used and left, tokens, and when the day resets.
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { Usage } from '../generated/graphql.ts';
import { callerOf, limitsOf, type Limits } from './lib/caller.ts';
import { dataSourceError } from './lib/errors.ts';
import { clock, type Clock } from './lib/time.ts';

interface UsageStash {
  clock: Clock;
  limits: Limits;
}

export function request(ctx: Context<Record<string, never>, UsageStash>): DynamoDBGetItemRequest {
  const caller = callerOf(ctx);
  const now = clock();
  ctx.stash.clock = now;
  ctx.stash.limits = limitsOf(ctx, caller);
  return { operation: 'GetItem', key: { userId: { S: caller.userId }, day: { S: now.day } }, consistentRead: true };
}

export function response(ctx: Context<Record<string, never>, UsageStash>): Usage {
  if (ctx.error) dataSourceError('myUsage', ctx.error);
  const item = (ctx.result ?? {}) as { queries?: number; inputTokens?: number; outputTokens?: number };
  const { clock: now, limits } = ctx.stash;
  const queries = item.queries ?? 0;
  return {
    day: now.day,
    queries,
    limit: limits.dailyPromptLimit,
    balance: Math.max(0, limits.dailyPromptLimit - queries),
    resetsAt: now.resetsAt,
    inputTokens: item.inputTokens ?? 0,
    outputTokens: item.outputTokens ?? 0,
    tokenLimit: limits.dailyTokenLimit,
  };
}
