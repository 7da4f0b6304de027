// @dataSource UsageTable
// Admits the prompt with one atomic conditional write on today's usage item: the day's prompt
// count, the current minute's count and the day's token budget are checked and charged together,
// so N concurrent prompts against a limit of N are all admitted and the N+1st is not. With an
// idempotency key the same write claims the key for the day, so a retry is never charged twice.
import type { Context, DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { internalError } from '../lib/errors.ts';
import { idempotencyAttr, usageKey, type PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBUpdateItemRequest {
  const input = ctx.stash.input;
  const headroom = input.limits.dailyTokenLimit - input.reserve;
  const key = input.idempotencyKey;
  const names: Record<string, string> = key ? { '#minute': input.clock.minuteAttr, '#idem': idempotencyAttr(key) } : { '#minute': input.clock.minuteAttr };
  return {
    operation: 'UpdateItem',
    key: usageKey(input),
    update: {
      expression:
        'SET queries = if_not_exists(queries, :zero) + :one, tokens = if_not_exists(tokens, :zero) + :reserve, ' +
        '#minute = if_not_exists(#minute, :zero) + :one, inputTokens = if_not_exists(inputTokens, :zero), ' +
        'outputTokens = if_not_exists(outputTokens, :zero), expiresAt = :expiresAt' +
        (key ? ', #idem = :promptId' : ''),
      expressionNames: names,
      expressionValues: {
        ':zero': { N: 0 },
        ':one': { N: 1 },
        ':reserve': { N: input.reserve },
        ':expiresAt': { N: input.clock.usageExpiresAt },
        ...(key ? { ':promptId': { S: input.id } } : {}),
      },
    },
    condition: {
      // A prompt whose reservation alone exceeds the budget can never be admitted.
      expression:
        headroom < 0
          ? 'attribute_not_exists(userId) AND attribute_exists(userId)'
          : '(attribute_not_exists(queries) OR queries < :dailyLimit) AND ' +
            '(attribute_not_exists(tokens) OR tokens <= :headroom) AND ' +
            '(attribute_not_exists(#minute) OR #minute < :perMinute)' +
            (key ? ' AND attribute_not_exists(#idem)' : ''),
      expressionNames: headroom < 0 ? {} : names,
      expressionValues:
        headroom < 0
          ? {}
          : {
              ':dailyLimit': { N: input.limits.dailyPromptLimit },
              ':headroom': { N: headroom },
              ':perMinute': { N: input.limits.promptsPerMinute },
            },
    },
  };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      // A limit was reached, or the idempotency key was used: invokeModel and settle find out.
      ctx.stash.rejected = true;
      return null;
    }
    internalError('reserveQuota', ctx.error);
  }
  ctx.stash.queries = (ctx.result as { queries: number }).queries;
  return null;
}
