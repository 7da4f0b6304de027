// A prompt's validation, run by sendPrompt's and startPrompt's before step (their index.ts
// `request`), not as a pipeline function: AppSync allows at most 10 functions per pipeline
// (infra/resolvers.ts MAX_PIPELINE_FUNCTIONS), and a check that needs no data source does not
// need one. Checks the prompt and options against the stack's bounds before anything is
// charged. Lengths are Unicode code points; the token reservation is an upper bound
// (lib/budget.ts). A streamed prompt (startPrompt) has its own output cap, a lease as long as
// its function may run, and a client-chosen id that is also its idempotency key.
import { util } from '@aws-appsync/utils';
import type { Context } from '@aws-appsync/utils';
import type { MutationSendPromptArgs, MutationStartPromptArgs } from '../../generated/graphql.ts';
import { callerOf, limitsOf } from './caller.ts';
import { conversationInput } from './context.ts';
import { validationError } from './errors.ts';
import { isPromptId } from './ids.ts';
import { LEASE_MS, streamLeaseMs, type PromptStash } from './prompt.ts';
import { leaseOf } from './settlement.ts';
import { textFacts } from './text.ts';
import { clock } from './time.ts';

const MAX_IDEMPOTENCY_KEY = 128;

/** Both mutations' arguments: sendPrompt has no promptId. */
export type PromptArgs = MutationSendPromptArgs & MutationStartPromptArgs;

/** Validates the arguments (util.error on the first fault) and stashes the admitted input. */
export function validatePrompt(ctx: Context<PromptArgs, PromptStash>): void {
  const caller = callerOf(ctx);
  const { prompt, options, idempotencyKey, promptId, conversationId } = ctx.args;
  // EvaluateCode contexts (unit tests, the web page's limits) may leave info out: sendPrompt then.
  const streamed = ctx.info !== undefined && ctx.info !== null && ctx.info.fieldName === 'startPrompt';
  const maxChars = Number(ctx.env.MAX_PROMPT_CHARS);
  const maxOutput = Number(streamed ? ctx.env.STREAM_MAX_OUTPUT_TOKENS : ctx.env.MAX_OUTPUT_TOKENS);

  const text = textFacts(prompt);
  if (text.broken) {
    validationError('prompt', 'invalidUnicode', 'The prompt holds a broken character (a lone UTF-16 surrogate).');
  }
  if (text.control) {
    validationError('prompt', 'controlCharacters', 'The prompt holds control characters; only newlines and tabs are allowed.');
  }
  if (!text.visible) {
    validationError('prompt', 'empty', 'The prompt is empty.');
  }
  if (text.codePoints > maxChars) {
    validationError('prompt', 'tooLong', `The prompt has ${text.codePoints} characters; at most ${maxChars} are allowed.`);
  }

  const models = ctx.env.MODELS.split(',').map((entry) => entry.split('=')[0]);
  const model = options && options.model ? options.model : ctx.env.DEFAULT_MODEL;
  if (!models.includes(model)) {
    validationError('options.model', 'unknownModel', `The model "${model.slice(0, 200)}" is not available. Query models to see the ones you may use.`);
  }

  const maxTokens = options && options.maxTokens !== null && options.maxTokens !== undefined ? options.maxTokens : maxOutput;
  if (maxTokens < 1 || maxTokens > maxOutput) {
    validationError('options.maxTokens', 'outOfRange', `maxTokens must be from 1 to ${maxOutput}. Received: ${maxTokens}`);
  }

  const temperature = options && options.temperature !== null && options.temperature !== undefined ? options.temperature : null;
  if (temperature !== null && (temperature < 0 || temperature > 1)) {
    validationError('options.temperature', 'outOfRange', `temperature must be from 0 to 1. Received: ${temperature}`);
  }

  if (idempotencyKey !== null && idempotencyKey !== undefined) {
    const key = textFacts(idempotencyKey);
    if (key.codePoints === 0 || key.codePoints > MAX_IDEMPOTENCY_KEY) {
      validationError('idempotencyKey', 'outOfRange', `idempotencyKey must have 1 to ${MAX_IDEMPOTENCY_KEY} characters.`);
    }
    if (key.broken || key.control) {
      validationError('idempotencyKey', 'invalidCharacters', 'idempotencyKey cannot hold control characters or broken Unicode.');
    }
  }

  const chosen = promptId !== null && promptId !== undefined;
  if (chosen && !isPromptId(promptId)) {
    validationError('promptId', 'invalid', 'promptId must be a ULID (26 characters of Crockford base32), or left out.');
  }

  const limits = limitsOf(ctx, caller);
  const conversation = conversationInput(ctx.env, conversationId, text.utf8Bytes, model, maxTokens, limits);

  const now = clock();
  const id = chosen ? promptId : util.autoUlid();
  const retentionDays = Number(ctx.env.PROMPT_RETENTION_DAYS);
  const reserve = conversation.baseInput + maxTokens;
  const leaseDeadline = now.nowMs + (streamed ? streamLeaseMs(Number(ctx.env.STREAM_TIMEOUT_SECONDS)) : LEASE_MS);
  ctx.stash.input = {
    id,
    userId: caller.userId,
    email: caller.email,
    tokenVersion: caller.tokenVersion,
    prompt,
    model,
    maxTokens,
    temperature,
    reserve,
    createdAt: now.nowIso,
    expiresAt: Math.floor(now.nowMs / 1000) + retentionDays * 86400,
    clock: now,
    limits,
    // A chosen id names one generation: it is the idempotency key (lib/settlement.ts keeps it).
    idempotencyKey: chosen ? id : (idempotencyKey ?? null),
    // The lease names the prompt's conversation (its earlier turns are counted by readContext).
    lease: leaseOf(leaseDeadline, id, reserve, maxTokens, model, { id: conversation.conversationId, contextTurns: 0 }),
    leaseDeadline,
    streamed,
    ...conversation,
  };
}
