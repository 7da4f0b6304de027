// @dataSource None
// Checks the prompt and options against the stack's bounds before anything is charged.
import { util } from '@aws-appsync/utils';
import type { Context, NONERequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { callerOf, limitsOf } from '../lib/caller.ts';
import { validationError } from '../lib/errors.ts';
import type { PromptStash } from '../lib/prompt.ts';
import { clock } from '../lib/time.ts';

const MAX_IDEMPOTENCY_KEY = 128;

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): NONERequest {
  const caller = callerOf(ctx);
  const { prompt, options, idempotencyKey } = ctx.args;
  const maxChars = Number(ctx.env.MAX_PROMPT_CHARS);
  const maxOutput = Number(ctx.env.MAX_OUTPUT_TOKENS);

  if (prompt.trim().length === 0) {
    validationError('prompt', 'empty', 'The prompt is empty.');
  }
  if (prompt.length > maxChars) {
    validationError('prompt', 'tooLong', `The prompt has ${prompt.length} characters; at most ${maxChars} are allowed.`);
  }

  const models = ctx.env.MODELS.split(',').map((entry) => entry.split('=')[0]);
  const model = options && options.model ? options.model : ctx.env.DEFAULT_MODEL;
  if (!models.includes(model)) {
    validationError('options.model', 'unknownModel', `The model "${model}" is not available. Query models to see the ones you may use.`);
  }

  const maxTokens = options && options.maxTokens !== null && options.maxTokens !== undefined ? options.maxTokens : maxOutput;
  if (maxTokens < 1 || maxTokens > maxOutput) {
    validationError('options.maxTokens', 'outOfRange', `maxTokens must be from 1 to ${maxOutput}. Received: ${maxTokens}`);
  }

  const temperature = options && options.temperature !== null && options.temperature !== undefined ? options.temperature : null;
  if (temperature !== null && (temperature < 0 || temperature > 1)) {
    validationError('options.temperature', 'outOfRange', `temperature must be from 0 to 1. Received: ${temperature}`);
  }

  if (idempotencyKey !== null && idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
    validationError('idempotencyKey', 'outOfRange', `idempotencyKey must have 1 to ${MAX_IDEMPOTENCY_KEY} characters.`);
  }

  const now = clock();
  const retentionDays = Number(ctx.env.PROMPT_RETENTION_DAYS);
  ctx.stash.input = {
    id: util.autoUlid(),
    userId: caller.userId,
    prompt,
    model,
    maxTokens,
    temperature,
    // The prompt's length in characters bounds its tokens from above for the tokenizers we
    // allow, so the budget can only be overstated until settle, never exceeded.
    reserve: maxTokens + prompt.length,
    createdAt: now.nowIso,
    expiresAt: Math.floor(now.nowMs / 1000) + retentionDays * 86400,
    clock: now,
    limits: limitsOf(ctx, caller),
    idempotencyKey: idempotencyKey ?? null,
  };
  return { payload: null };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  return ctx.result as null;
}
