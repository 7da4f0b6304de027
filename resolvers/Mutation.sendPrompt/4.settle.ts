// @dataSource UsageTable
// Settles the outcome in one transaction, so nothing is half-written:
// - answered: log the prompt and move the token reservation to the real usage; a guardrail
//   intervention is an answer too (status BLOCKED), charged the tokens Bedrock reports;
// - model failed: log the failure and give back the prompt slot, the minute slot and the
//   reservation, then raise ModelError;
// - a retry of an answered prompt (idempotency key): return the first answer, charge nothing;
// - not admitted: read today's usage and say which limit was reached.
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBExpression, DynamoDBGetItemRequest, DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import type { ModelAnswer } from '../../functions/commons/contracts.ts';
import type { MutationSendPromptArgs, PromptStatus, SendPromptResult } from '../../generated/graphql.ts';
import { ErrorType, internalError } from '../lib/errors.ts';
import { recordEvent } from '../lib/events.ts';
import { idempotencyAttr, usageKey, type PromptStash } from '../lib/prompt.ts';

interface UsageItem {
  queries?: number;
  tokens?: number;
  [minute: string]: unknown;
}

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBGetItemRequest | DynamoDBTransactWriteItemsRequest {
  const s = ctx.stash;
  const input = s.input;
  if (s.replay) {
    runtime.earlyReturn(s.replay);
  }
  if (s.rejected && s.modelError) {
    // A duplicate whose first attempt is still running: nothing to settle, ask to retry.
    util.error(s.modelError.message, ErrorType.ModelError, null, { retryable: true });
  }
  if (s.rejected) {
    return { operation: 'GetItem', key: usageKey(input), consistentRead: true };
  }
  const key = input.idempotencyKey;
  const logItem = {
    prompt: { S: input.prompt },
    model: { S: input.model },
    createdAt: { S: input.createdAt },
    expiresAt: { N: input.expiresAt },
    status: { S: s.answer ? answerStatus(s.answer) : 'FAILED' },
    ...(s.answer
      ? {
          response: { S: s.answer.text },
          inputTokens: { N: s.answer.inputTokens },
          outputTokens: { N: s.answer.outputTokens },
          queries: { N: s.queries ?? 0 },
          balance: { N: Math.max(0, input.limits.dailyPromptLimit - (s.queries ?? 0)) },
        }
      : { error: { S: s.modelError ? s.modelError.message : 'unknown' } }),
    ...(key ? { idempotencyKey: { S: key } } : {}),
  };
  const refundNames: Record<string, string> = key ? { '#minute': input.clock.minuteAttr, '#idem': idempotencyAttr(key) } : { '#minute': input.clock.minuteAttr };
  const usageUpdate: DynamoDBExpression = s.answer
    ? {
        expression: 'SET tokens = tokens + :delta, inputTokens = inputTokens + :in, outputTokens = outputTokens + :out',
        expressionValues: {
          ':delta': { N: s.answer.inputTokens + s.answer.outputTokens - input.reserve },
          ':in': { N: s.answer.inputTokens },
          ':out': { N: s.answer.outputTokens },
        },
      }
    : {
        // The refund also frees the idempotency key, so a retry of a failed prompt runs again.
        expression: 'SET queries = queries - :one, tokens = tokens - :reserve, #minute = #minute - :one' + (key ? ' REMOVE #idem' : ''),
        expressionNames: refundNames,
        expressionValues: { ':one': { N: 1 }, ':reserve': { N: input.reserve } },
      };
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      { table: ctx.env.USAGE_TABLE, operation: 'UpdateItem', key: usageKey(input), update: usageUpdate },
      {
        table: ctx.env.PROMPTS_TABLE,
        operation: 'PutItem',
        key: { userId: { S: input.userId }, id: { S: input.id } },
        attributeValues: logItem,
        condition: { expression: 'attribute_not_exists(id)', returnValuesOnConditionCheckFailure: false },
      },
    ],
  };
}

/** Converse's stopReason when a guardrail intervened: the text is the guardrail's message. */
const GUARDRAIL_INTERVENED = 'guardrail_intervened';

function answerStatus(answer: ModelAnswer): PromptStatus {
  return answer.stopReason === GUARDRAIL_INTERVENED ? 'BLOCKED' : 'COMPLETED';
}

function rejection(ctx: Context<MutationSendPromptArgs, PromptStash>): never {
  const input = ctx.stash.input;
  const item = (ctx.result ?? {}) as UsageItem;
  const used = item.queries ?? 0;
  const tokens = item.tokens ?? 0;
  const minute = (item[input.clock.minuteAttr] as number | undefined) ?? 0;
  const limits = input.limits;
  if (used >= limits.dailyPromptLimit) {
    recordEvent('QuotaExceeded', { kind: 'requests' });
    return util.error(
      `You have used all ${limits.dailyPromptLimit} prompts for today. The quota resets at ${input.clock.resetsAt}.`,
      ErrorType.QuotaExceeded,
      null,
      { kind: 'requests', limit: limits.dailyPromptLimit, used, resetsAt: input.clock.resetsAt },
    );
  }
  if (tokens + input.reserve > limits.dailyTokenLimit) {
    recordEvent('QuotaExceeded', { kind: 'tokens' });
    return util.error(
      `This prompt needs up to ${input.reserve} tokens and ${Math.max(0, limits.dailyTokenLimit - tokens)} of today's ${limits.dailyTokenLimit} are left. The budget resets at ${input.clock.resetsAt}.`,
      ErrorType.QuotaExceeded,
      null,
      { kind: 'tokens', limit: limits.dailyTokenLimit, used: tokens, resetsAt: input.clock.resetsAt },
    );
  }
  recordEvent('RateLimited', { window: minute >= limits.promptsPerMinute ? 'minute' : 'inFlight' });
  if (minute >= limits.promptsPerMinute) {
    return util.error(
      `Too many prompts: at most ${limits.promptsPerMinute} a minute. Try again in ${input.clock.secondsLeftInMinute} s.`,
      ErrorType.RateLimited,
      null,
      { retryAfterSeconds: input.clock.secondsLeftInMinute },
    );
  }
  // Nothing is over its limit now: prompts of this user that were in flight held the capacity
  // (their token reservations) when this one arrived, and have settled since.
  return util.error('Your other prompts in flight were holding the capacity this one needs. Try again in a moment.', ErrorType.RateLimited, null, {
    retryAfterSeconds: 1,
  });
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): SendPromptResult | null {
  const s = ctx.stash;
  const input = s.input;
  if (s.rejected) {
    if (ctx.error) internalError('settle.read', ctx.error);
    return rejection(ctx);
  }
  if (ctx.error && !s.answer) {
    // The refund did not go through: the slot stays charged. Say so loudly in the logs.
    internalError('settle.refund', ctx.error);
  }
  if (ctx.error) {
    // The answer exists and was charged (the reservation covers it); only the log is missing.
    console.error(JSON.stringify({ level: 'error', step: 'settle.log', causeType: ctx.error.type, cause: ctx.error.message }));
  }
  if (!s.answer) {
    const failure = s.modelError ?? { message: 'The model failed.', retryable: true };
    recordEvent('ModelError', { retryable: failure.retryable, model: input.model });
    return util.error(failure.message, ErrorType.ModelError, null, { retryable: failure.retryable });
  }
  const queries = s.queries ?? 0;
  const status = answerStatus(s.answer);
  if (status === 'BLOCKED') recordEvent('GuardrailBlocked', { model: input.model });
  return {
    id: input.id,
    prompt: input.prompt,
    response: s.answer.text,
    model: s.answer.model,
    queries,
    balance: Math.max(0, input.limits.dailyPromptLimit - queries),
    usage: { inputTokens: s.answer.inputTokens, outputTokens: s.answer.outputTokens },
    createdAt: input.createdAt,
    status,
  };
}
