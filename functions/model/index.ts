// Lambda data source for the sendPrompt pipeline's invokeModel step: one Bedrock Converse call.
// Bedrock's failures come back as a ModelError outcome (not a throw) so settle can refund or charge.
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import type { ModelAnswer, ModelEvent, Outcome } from '../commons/contracts.ts';
import { intEnv } from '../commons/env.ts';
import { ModelError, toVocabulary } from '../commons/errors.ts';
import { describeError, log } from '../commons/log.ts';
import { classifyBedrockError } from './errors.ts';

const TIMEOUT_MS = intEnv('MODEL_TIMEOUT_MS', 20000);
const client = new BedrockRuntimeClient(process.env.BEDROCK_REGION ? { region: process.env.BEDROCK_REGION } : {});
const GUARDRAIL = process.env.GUARDRAIL_ID ? { guardrailIdentifier: process.env.GUARDRAIL_ID, guardrailVersion: process.env.GUARDRAIL_VERSION ?? 'DRAFT' } : undefined;

export async function handler(event: ModelEvent): Promise<Outcome<ModelAnswer>> {
  const started = Date.now();
  try {
    const out = await client.send(
      new ConverseCommand({
        modelId: event.modelId,
        messages: [{ role: 'user', content: [{ text: event.prompt }] }],
        inferenceConfig: { maxTokens: event.maxTokens, ...(event.temperature === null ? {} : { temperature: event.temperature }) },
        ...(GUARDRAIL ? { guardrailConfig: GUARDRAIL } : {}),
      }),
      { abortSignal: AbortSignal.timeout(TIMEOUT_MS) },
    );
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
    log('info', 'converse', { model: event.modelId, ms: Date.now() - started, inputTokens: answer.inputTokens, outputTokens: answer.outputTokens, stopReason: answer.stopReason, status });
    return { data: answer };
  } catch (error) {
    const failure: ModelError = classifyBedrockError(error, event.modelId);
    log('warn', 'converse failed', { model: event.modelId, ms: Date.now() - started, retryable: failure.retryable, charged: failure.charged, ...describeError(error) });
    return { error: toVocabulary(failure)! };
  }
}
