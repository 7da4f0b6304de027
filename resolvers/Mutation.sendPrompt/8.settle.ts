// @dataSource UsageTable
// Settles the outcome in one transaction, so nothing is half-written, and frees the prompt's
// in-flight lease:
// - answered: log the prompt and move the token reservation to the real usage; a guardrail
//   intervention is an answer too (status BLOCKED), charged the tokens Bedrock reports;
// - the model failed where Bedrock did not run the call (throttled, unavailable, denied,
//   invalid): log the failure and give back the prompt slot, the minute slot and the reservation;
// - the model failed after the call was sent (a timeout): Bedrock bills it, so the slot and the
//   whole reservation stay charged, logged as TIMED_OUT;
// - a retry of an answered prompt (idempotency key): return the first answer, charge nothing.
// A failed prompt frees its idempotency key, so a retry runs again.
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBExpression, DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import type { ModelAnswer } from '../../functions/commons/contracts.ts';
import type { MutationSendPromptArgs, PromptStatus, SendPromptResult } from '../../generated/graphql.ts';
import { settleAnswer, settleFailure } from '../lib/budget.ts';
import { ErrorType, internalError } from '../lib/errors.ts';
import { recordEvent } from '../lib/events.ts';
import { idempotencyAttr, usageKey, type PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBTransactWriteItemsRequest {
  const s = ctx.stash;
  const input = s.input;
  if (s.replay) {
    runtime.earlyReturn(s.replay);
  }
  if (!s.admitted) {
    // Every earlier step either admits, replays or raises; anything else is a bug, not a charge.
    internalError('settle.notAdmitted', null);
  }
  const failure = s.modelError ?? { message: 'The model failed.', retryable: true, charged: true, timedOut: false };
  const outcome = s.answer ? settleAnswer(input.reserve, s.answer.inputTokens, s.answer.outputTokens) : settleFailure(input.reserve, input.maxTokens, failure.charged);
  if (outcome.overrun > 0 && s.answer) {
    // The reservation is meant to bound real usage; a model that passes it could overspend the budget.
    recordEvent('TokenOverrun', { model: input.model, overrun: outcome.overrun, inputTokens: s.answer.inputTokens, outputTokens: s.answer.outputTokens, reserve: input.reserve });
  }
  const key = input.idempotencyKey;
  const status = s.answer ? answerStatus(s.answer) : failure.timedOut ? 'TIMED_OUT' : 'FAILED';
  const charged = Boolean(s.answer) || failure.charged;
  const logItem = {
    prompt: { S: input.prompt },
    model: { S: input.model },
    createdAt: { S: input.createdAt },
    expiresAt: { N: input.expiresAt },
    status: { S: status },
    ...(charged ? { inputTokens: { N: outcome.inputTokens }, outputTokens: { N: outcome.outputTokens } } : {}),
    ...(s.answer
      ? {
          response: { S: s.answer.text },
          queries: { N: s.queries ?? 0 },
          balance: { N: Math.max(0, input.limits.dailyPromptLimit - (s.queries ?? 0)) },
        }
      : { error: { S: failure.message } }),
    ...(key ? { idempotencyKey: { S: key } } : {}),
  };
  const names: Record<string, string> = { '#minute': input.clock.minuteAttr };
  const sets = [
    'queries = queries + :queriesDelta',
    '#minute = #minute + :queriesDelta',
    'tokens = tokens + :tokensDelta',
    'inputTokens = inputTokens + :in',
    'outputTokens = outputTokens + :out',
  ];
  const removes: string[] = [];
  if (key && !s.answer) {
    names['#idem'] = idempotencyAttr(key);
    removes.push('#idem');
  }
  const usageUpdate: DynamoDBExpression = {
    expression: 'SET ' + sets.join(', ') + (removes.length ? ' REMOVE ' + removes.join(', ') : '') + ' DELETE leases :lease',
    expressionNames: names,
    expressionValues: {
      ':queriesDelta': { N: outcome.queriesDelta },
      ':tokensDelta': { N: outcome.tokensDelta },
      ':in': { N: outcome.inputTokens },
      ':out': { N: outcome.outputTokens },
      ':lease': { SS: [input.lease] },
    },
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

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): SendPromptResult | null {
  const s = ctx.stash;
  const input = s.input;
  if (ctx.error && !s.answer) {
    // The failure could not be settled: the slot and lease stay charged. Say so loudly in the logs.
    internalError('settle.failure', ctx.error);
  }
  if (ctx.error) {
    // The answer exists and was charged (the reservation covers it); only the log is missing.
    console.error(JSON.stringify({ level: 'error', step: 'settle.log', causeType: ctx.error.type, cause: ctx.error.message }));
  }
  if (!s.answer) {
    const failure = s.modelError ?? { message: 'The model failed.', retryable: true, charged: true, timedOut: false };
    recordEvent('ModelError', { retryable: failure.retryable, charged: failure.charged, timedOut: failure.timedOut, model: input.model });
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
