// @dataSource UsageTable
// Settles the usage of a prompt whose record the pipeline wrote (the second of settling's two
// writes, lib/settlement.ts: the record's change, only while the lease is there), then answers:
// - answered: the answer, its log record saying COMPLETED, or BLOCKED when a guardrail intervened;
// - the model failed where Bedrock did not run the call (throttled, unavailable, denied,
//   invalid): a ModelError; the slot, the minute slot and the reservation come back;
// - the model failed after the call was sent (a timeout): a ModelError; Bedrock bills it, so the
//   slot and the whole reservation stay charged, logged as TIMED_OUT;
// - a retry of an answered prompt (idempotency key): the first answer, charged nothing.
// A failed prompt frees its idempotency key, so a retry runs again. A write that fails here is
// not the client's problem: the reconciler finishes it from the record or the lease.
import { runtime, util } from '@aws-appsync/utils';
import type { Context, DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs, SendPromptResult } from '../../generated/graphql.ts';
import { CONVERSATION_NOT_FOUND } from '../lib/conversation.ts';
import { BUSY_RETRY_SECONDS, ErrorType, internalError, isRetryable } from '../lib/errors.ts';
import { recordEvent } from '../lib/events.ts';
import { pendingOf, type PromptStash } from '../lib/prompt.ts';
import { answerStatus, recordOf, usageWrite } from '../lib/settlement.ts';

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBUpdateItemRequest {
  const s = ctx.stash;
  if (s.replay) {
    runtime.earlyReturn(s.replay);
  }
  if (s.input.streamed && !s.modelError) {
    // startPrompt: the stream function settles (or this is a restart); its after step answers.
    runtime.earlyReturn(null);
  }
  if (!s.admitted) {
    // Every earlier step either admits, replays or raises; anything else is a bug, not a charge.
    internalError('settle.notAdmitted', null);
  }
  if (s.settled !== 'logged') {
    runtime.earlyReturn(finish(ctx));
  }
  const pending = pendingOf(s);
  const write = usageWrite(pending.userId, recordOf(pending, { answer: s.answer ?? null, failure: s.modelError ?? null }).change);
  return {
    operation: 'UpdateItem',
    key: write.key,
    update: { expression: write.expression, expressionNames: write.expressionNames, expressionValues: write.expressionValues },
    condition: { expression: write.condition.expression, expressionValues: write.condition.expressionValues },
  };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): SendPromptResult | null {
  if (ctx.error) {
    // No lease any more: the reconciler applied this record already. Anything else: it will.
    if (ctx.error.type !== 'DynamoDB:ConditionalCheckFailedException') {
      recordEvent('SettleDeferred', { step: 'settle', cause: ctx.error.type, retryable: isRetryable(ctx.error) });
      console.error(JSON.stringify({ level: 'error', step: 'settle', causeType: ctx.error.type, cause: ctx.error.message }));
    }
  } else {
    ctx.stash.settled = 'applied';
  }
  return finish(ctx);
}

/** The client's answer, or the model's failure as a ModelError. */
function finish(ctx: Context<MutationSendPromptArgs, PromptStash>): SendPromptResult {
  const s = ctx.stash;
  const input = s.input;
  const settled = recordOf(pendingOf(s), { answer: s.answer ?? null, failure: s.modelError ?? null });
  if (!s.answer) {
    const failure = s.modelError ?? { message: 'The model failed.', retryable: true, charged: true, timedOut: false };
    // A refund nobody recorded does not happen: without a record the reconciler charges the
    // prompt by the timeout rule, and the message must not promise otherwise.
    const unsettled = s.settled === 'none' && !failure.charged;
    const unsettledNote = 'this prompt could not be settled just now: if your history lists it as TIMED_OUT, it was charged.';
    // Refused before the model (its conversation deleted meanwhile, or busy): refunded, and said so.
    if (failure.errorType === ErrorType.NotFound) return util.error(unsettled ? `${CONVERSATION_NOT_FOUND} It was deleted, and ${unsettledNote}` : failure.message, ErrorType.NotFound);
    if (failure.errorType === ErrorType.RateLimited) {
      return util.error(unsettled ? `The service is busy right now, and ${unsettledNote} Try again in a moment.` : failure.message, ErrorType.RateLimited, null, { retryAfterSeconds: BUSY_RETRY_SECONDS });
    }
    recordEvent('ModelError', { retryable: failure.retryable, charged: failure.charged, timedOut: failure.timedOut, model: input.model });
    const message = unsettled ? `The model could not be reached, and ${unsettledNote} Please try again.` : failure.message;
    return util.error(message, ErrorType.ModelError, null, { retryable: failure.retryable });
  }
  if (settled.overrun > 0) {
    // The reservation is meant to bound real usage; a model that passes it could overspend the budget.
    recordEvent('TokenOverrun', { model: input.model, overrun: settled.overrun, inputTokens: s.answer.inputTokens, outputTokens: s.answer.outputTokens, reserve: input.reserve });
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
    conversationId: input.conversationId,
    contextTurns: (s.history ?? []).length,
  };
}
