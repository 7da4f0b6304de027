// What the sendPrompt pipeline's steps hand each other through the stash.
import type { ModelAnswer, ReplayData } from '../../functions/commons/contracts.ts';
import type { Clock } from './time.ts';
import type { Limits } from './caller.ts';

export interface PromptInput {
  id: string;
  userId: string;
  prompt: string;
  model: string;
  maxTokens: number;
  temperature: number | null;
  /** Tokens held against the day's budget until settle: maxTokens plus the prompt's length. */
  reserve: number;
  createdAt: string;
  expiresAt: number;
  clock: Clock;
  limits: Limits;
  idempotencyKey: string | null;
}

export interface PromptStash {
  input: PromptInput;
  /** Prompts used today after this one was admitted. */
  queries?: number;
  rejected?: boolean;
  answer?: ModelAnswer;
  modelError?: { message: string; retryable: boolean };
  /** A retry of an answered prompt: its first result, returned as is and not charged again. */
  replay?: ReplayData['result'];
}

/** The usage item attribute that claims an idempotency key for the day. */
export function idempotencyAttr(key: string): string {
  return 'idem:' + key;
}

/** The usage item's key: one item per user per UTC day. */
export function usageKey(input: { userId: string; clock: Clock }): { userId: { S: string }; day: { S: string } } {
  return { userId: { S: input.userId }, day: { S: input.clock.day } };
}
