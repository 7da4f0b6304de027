// A conversation as Bedrock Converse takes it: the earlier turns as alternating user and assistant
// messages, then the new prompt, and the stage's system prompt as a system block. Shared by every
// function that calls Converse (blocking or streamed), so what is sent is what was reserved for:
// the resolvers bound these very texts (resolvers/lib/context.ts).
import type { ContentBlock, Message, SystemContentBlock } from '@aws-sdk/client-bedrock-runtime';
import type { ContextTurn } from '../../resolvers/lib/context.ts';

/**
 * Converse's messages: each earlier turn as a user message and the assistant's answer, oldest
 * first, then the prompt. Bedrock refuses anything else with a ValidationException: "A conversation
 * must start with a user message" and "A conversation must alternate between user and assistant
 * roles" (as users quote them: https://github.com/langgenius/dify/issues/12340 and
 * https://github.com/langgenius/dify/issues/9294, checked 2026-11-30; a kept turn always has both).
 */
export function converseMessages(history: readonly ContextTurn[] | undefined, prompt: string): Message[] {
  const text = (value: string): ContentBlock[] => [{ text: value }];
  const earlier = (history ?? []).flatMap((turn): Message[] => [
    { role: 'user', content: text(turn.prompt) },
    { role: 'assistant', content: text(turn.response) },
  ]);
  return [...earlier, { role: 'user', content: text(prompt) }];
}

/** The system prompt as Converse's `system` field, or nothing when the stage has none. */
export function systemBlocks(systemPrompt: string | undefined): { system?: SystemContentBlock[] } {
  return systemPrompt ? { system: [{ text: systemPrompt }] } : {};
}
