// Lambda data source for the sendPrompt pipeline's invokeModel step: one Bedrock Converse call,
// then the prompt's settling (commons/settle.ts) when the event carries it, with the SDK's
// retries and within the function's time. Bedrock's failures come back as a ModelError outcome
// (not a throw) so they are settled as refunded or charged.
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import type { ModelAnswer, ModelEvent, ModelOutcome, Outcome } from '../commons/contracts.ts';
import { converseRequest } from '../commons/converse-request.ts';
import { intEnv } from '../commons/env.ts';
import { ModelError, toVocabulary } from '../commons/errors.ts';
import { describeError, log } from '../commons/log.ts';
import { settlePrompt } from '../commons/settle.ts';
import { classifyBedrockError } from './errors.ts';

const TIMEOUT_MS = intEnv('MODEL_TIMEOUT_MS', 20000);
/** Left for returning the answer once settling gives up. */
const RETURN_MARGIN_MS = 500;
const client = new BedrockRuntimeClient(process.env.BEDROCK_REGION ? { region: process.env.BEDROCK_REGION } : {});
const TABLES = { prompts: process.env.PROMPTS_TABLE ?? '', usage: process.env.USAGE_TABLE ?? '' };

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

async function converse(event: ModelEvent): Promise<Outcome<ModelAnswer> & { failure?: ModelError }> {
  const started = Date.now();
  try {
    const out = await client.send(new ConverseCommand(converseRequest(event)), { abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = (out.output?.message?.content ?? []).map((block) => block.text ?? '').join('');
    const answer: ModelAnswer = {
      text,
      model: event.modelId,
      inputTokens: out.usage?.inputTokens ?? 0,
      outputTokens: out.usage?.outputTokens ?? 0,
      stopReason: out.stopReason ?? 'end_turn',
    };
    // A guardrail intervention is an answer (the guardrail's message), charged as Bedrock reports it.
    const status = answer.stopReason === 'guardrail_intervened' ? 'BLOCKED' : 'COMPLETED';
    log('info', 'converse', { model: event.modelId, contextTurns: event.history?.length ?? 0, ms: Date.now() - started, inputTokens: answer.inputTokens, outputTokens: answer.outputTokens, stopReason: answer.stopReason, status });
    return { data: answer };
  } catch (error) {
    const failure: ModelError = classifyBedrockError(error, event.modelId);
    log('warn', 'converse failed', { model: event.modelId, ms: Date.now() - started, retryable: failure.retryable, charged: failure.charged, ...describeError(error) });
    return { error: toVocabulary(failure)!, failure };
  }
}

export async function handler(event: ModelEvent, context?: LambdaContext): Promise<ModelOutcome> {
  const { failure, ...outcome } = await converse(event);
  if (!event.pending) return outcome;
  const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - RETURN_MARGIN_MS : undefined;
  const result = outcome.data
    ? { answer: outcome.data }
    : { failure: { message: failure!.message, retryable: failure!.retryable, charged: failure!.charged, timedOut: failure!.timedOut } };
  const { settled } = await settlePrompt(TABLES, event.pending, result, deadline);
  return { ...outcome, settled };
}
