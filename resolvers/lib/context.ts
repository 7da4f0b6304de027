// What a prompt into a conversation is sent with, and what it reserves: the earlier answered
// turns, newest kept first until the context budget would be passed (so the oldest go first), each
// bounded as a single prompt is (lib/budget.ts: one token per UTF-8 byte at most) plus a per-message
// allowance for its role markers. Pure and APPSYNC_JS-safe, so a property test can check it.
import { util } from '@aws-appsync/utils';
import { TEMPLATE_ALLOWANCE_TOKENS } from './budget.ts';
import type { Limits } from './caller.ts';
import { isConversationId, notFound } from './conversation.ts';
import { validationError } from './errors.ts';
import { textFacts } from './text.ts';

/**
 * Tokens a model's chat template may add around one more message (role and turn markers). Like
 * the template allowance, an allowance, not a measurement: a model reporting more than the
 * reservation is logged as a TokenOverrun event, which has an alarm.
 */
export const MESSAGE_ALLOWANCE_TOKENS = 16;

/**
 * Earlier turns read per prompt at most (one Query page, which DynamoDB also caps at 1 MB): the
 * context is the newest of these that fit the budget.
 */
export const MAX_CONTEXT_TURNS = 50;

/** An earlier turn as the model receives it: the user's prompt and the model's answer. */
export interface ContextTurn {
  prompt: string;
  response: string;
}

/**
 * The bound on what a prompt sends without earlier turns: its UTF-8 bytes, the template allowance,
 * and the system prompt (its bytes and one message allowance) when the stage has one. With no
 * system prompt this is exactly a single prompt's input bound.
 */
export function baseInputBound(promptUtf8Bytes: number, systemUtf8Bytes: number): number {
  return promptUtf8Bytes + TEMPLATE_ALLOWANCE_TOKENS + (systemUtf8Bytes > 0 ? systemUtf8Bytes + MESSAGE_ALLOWANCE_TOKENS : 0);
}

/** The bound an earlier turn adds: its two messages' bytes and allowances. */
export function turnBound(turn: ContextTurn): number {
  return textFacts(turn.prompt).utf8Bytes + textFacts(turn.response).utf8Bytes + 2 * MESSAGE_ALLOWANCE_TOKENS;
}

export interface ContextPlan {
  /** The turns sent, oldest first. */
  kept: ContextTurn[];
  /** The bound on everything sent: base plus every kept turn. */
  inputBound: number;
}

/**
 * Keeps the newest turns whose bounds, added to `base`, stay within `budget`; the first turn that
 * would pass it is dropped with every older one, so the context is always the recent end of the
 * conversation, unbroken. `newestFirst` is the conversation's answered turns before this prompt.
 */
export function planContext(newestFirst: ContextTurn[], base: number, budget: number): ContextPlan {
  let inputBound = base;
  const kept: ContextTurn[] = [];
  for (const turn of newestFirst) {
    const bound = turnBound(turn);
    if (inputBound + bound > budget) break;
    inputBound = inputBound + bound;
    kept.push(turn);
  }
  kept.reverse();
  return { kept, inputBound };
}

/** The model's context budget from the resolvers' CONTEXT_BUDGETS (`<model id>=<tokens>,…`), 0 when unlisted. */
export function contextBudgetOf(budgets: string, model: string): number {
  for (const entry of budgets.split(',')) {
    const at = entry.lastIndexOf('=');
    if (at > 0 && entry.slice(0, at) === model) return Number(entry.slice(at + 1));
  }
  return 0;
}

/** What a prompt's admission needs to know about its conversation (PromptInput's conversation fields). */
export interface ConversationInput {
  /** The conversation named, or a new one's fresh id. */
  conversationId: string;
  newConversation: boolean;
  /** The bound on what is sent without earlier turns. */
  baseInput: number;
  /** The most the input may be: the model's context budget, and what the day's budget leaves beside maxTokens. */
  inputBudget: number;
}

/**
 * The conversation part of a prompt's validation (lib/validate-prompt.ts; a streamed prompt's
 * the same): an id that cannot be a conversation's is NotFound, and a prompt whose bound alone
 * passes its input budget could never be admitted (ValidationError). Reads the resolvers'
 * SYSTEM_PROMPT_BYTES and CONTEXT_BUDGETS.
 */
export function conversationInput(
  env: Record<string, string>,
  conversationId: string | null | undefined,
  promptUtf8Bytes: number,
  model: string,
  maxTokens: number,
  limits: Limits,
): ConversationInput {
  if (conversationId !== null && conversationId !== undefined && !isConversationId(conversationId)) notFound();
  // What is sent is bounded by the model's context budget, and with maxTokens by the day's token
  // budget, so trimming the context to it keeps every reservation within a day's budget.
  const baseInput = baseInputBound(promptUtf8Bytes, Number(env.SYSTEM_PROMPT_BYTES));
  const modelBudget = contextBudgetOf(env.CONTEXT_BUDGETS, model);
  const dayBudget = limits.dailyTokenLimit - maxTokens;
  const inputBudget = modelBudget > 0 && modelBudget < dayBudget ? modelBudget : dayBudget;
  if (baseInput > inputBudget) {
    validationError(
      'prompt',
      'neverFits',
      `This prompt needs up to ${baseInput + maxTokens} tokens (its UTF-8 bytes, the system prompt and the template allowance, plus maxTokens ${maxTokens}), ` +
        `and no prompt may need more than ${inputBudget + maxTokens}: ${inputBudget === dayBudget ? 'your daily token budget' : "the model's context budget"} allows no more, even with no earlier turns. Shorten the prompt or lower maxTokens.`,
    );
  }
  const fresh = conversationId === null || conversationId === undefined;
  return { conversationId: fresh ? util.autoUlid() : (conversationId as string), newConversation: fresh, baseInput, inputBudget };
}
