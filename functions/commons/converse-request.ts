// The Converse request of a prompt (history, system prompt and all), built in one place for the blocking model function
// (Converse) and the stream function (ConverseStream): the same messages, inference settings and
// guardrail, so both paths ask the model the same thing.
import type { ConverseCommandInput, ConverseStreamCommandInput } from '@aws-sdk/client-bedrock-runtime';
import type { ModelEvent } from './contracts.ts';
import { converseMessages, systemBlocks } from './messages.ts';

/** The stage's system prompt (TOLLGATE_SYSTEM_PROMPT); resolvers reserve its SYSTEM_PROMPT_BYTES. */
const SYSTEM = systemBlocks(process.env.SYSTEM_PROMPT);
const GUARDRAIL = process.env.GUARDRAIL_ID ? { guardrailIdentifier: process.env.GUARDRAIL_ID, guardrailVersion: process.env.GUARDRAIL_VERSION ?? 'DRAFT' } : undefined;

export function converseRequest(event: ModelEvent): ConverseCommandInput {
  return {
    modelId: event.modelId,
    // The conversation's kept turns (oldest first), then the prompt; the system prompt beside them.
    messages: converseMessages(event.history, event.prompt),
    ...SYSTEM,
    inferenceConfig: { maxTokens: event.maxTokens, ...(event.temperature === null ? {} : { temperature: event.temperature }) },
    ...(GUARDRAIL ? { guardrailConfig: GUARDRAIL } : {}),
  };
}

/**
 * The streamed form. A guardrail runs in synchronous mode: Bedrock buffers and checks each chunk
 * before sending it, so no text the guardrail would block reaches a user
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-streaming.html, checked 2026-11-30).
 */
export function converseStreamRequest(event: ModelEvent): ConverseStreamCommandInput {
  const { guardrailConfig, ...rest } = converseRequest(event);
  return { ...rest, ...(guardrailConfig ? { guardrailConfig: { ...guardrailConfig, streamProcessingMode: 'sync' } } : {}) };
}
