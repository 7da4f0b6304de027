// The context a prompt into a conversation is sent with (resolvers/lib/context.ts) and the
// Converse messages built from it (functions/commons/messages.ts): what is sent is always the
// newest unbroken run of turns within the budget, and its bound is what is reserved.
import { describe, expect, it } from 'vitest';
import { converseMessages, systemBlocks } from '../../functions/commons/messages.ts';
import { TEMPLATE_ALLOWANCE_TOKENS } from '../../resolvers/lib/budget.ts';
import { baseInputBound, contextBudgetOf, MESSAGE_ALLOWANCE_TOKENS, planContext, turnBound, type ContextTurn } from '../../resolvers/lib/context.ts';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ALPHABET = ['a', 'é', '€', '𝄞', ' ', '\n', '日'];
const text = (next: () => number, max: number) => Array.from({ length: Math.floor(next() * max) + 1 }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join('');

describe('the context plan', () => {
  it('bounds a prompt alone as a single prompt is bounded, plus the system prompt as one more message', () => {
    expect(baseInputBound(6, 0)).toBe(6 + TEMPLATE_ALLOWANCE_TOKENS);
    expect(baseInputBound(6, 40)).toBe(6 + TEMPLATE_ALLOWANCE_TOKENS + 40 + MESSAGE_ALLOWANCE_TOKENS);
    expect(turnBound({ prompt: '€', response: '𝄞' })).toBe(3 + 4 + 2 * MESSAGE_ALLOWANCE_TOKENS);
  });

  it('keeps the newest unbroken run of turns within the budget, over random conversations', () => {
    const next = random(16);
    for (let round = 0; round < 500; round++) {
      const turns: ContextTurn[] = Array.from({ length: Math.floor(next() * 12) }, () => ({ prompt: text(next, 40), response: text(next, 60) }));
      const base = Math.floor(next() * 200);
      const budget = base + Math.floor(next() * 1500);
      const plan = planContext(turns, base, budget);
      const bounds = turns.map(turnBound);
      const kept = plan.kept.length;
      // The newest `kept` turns, oldest first, and their bound is what the plan says.
      expect(plan.kept).toEqual(turns.slice(0, kept).reverse());
      expect(plan.inputBound).toBe(base + bounds.slice(0, kept).reduce((a, b) => a + b, 0));
      expect(plan.inputBound).toBeLessThanOrEqual(budget);
      // The next older turn, if any, would have passed the budget.
      if (kept < turns.length) expect(plan.inputBound + bounds[kept]!).toBeGreaterThan(budget);
      // The bound never undercounts: one token per UTF-8 byte of every message sent.
      const sent = plan.kept.reduce((n, t) => n + Buffer.byteLength(t.prompt) + Buffer.byteLength(t.response), 0);
      expect(plan.inputBound - base).toBeGreaterThanOrEqual(sent);
    }
  });

  it('reads a model’s budget from the resolvers’ CONTEXT_BUDGETS, ids with colons and slashes included', () => {
    const budgets = 'us.amazon.nova-2-lite-v1:0=32000,arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2=16000';
    expect(contextBudgetOf(budgets, 'us.amazon.nova-2-lite-v1:0')).toBe(32000);
    expect(contextBudgetOf(budgets, 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2')).toBe(16000);
    expect(contextBudgetOf(budgets, 'other')).toBe(0);
  });
});

describe('Converse messages', () => {
  it('alternate user and assistant from the oldest turn, end with the prompt, and carry the system prompt apart', () => {
    expect(converseMessages([{ prompt: 'p1', response: 'r1' }, { prompt: 'p2', response: 'r2' }], 'now')).toEqual([
      { role: 'user', content: [{ text: 'p1' }] },
      { role: 'assistant', content: [{ text: 'r1' }] },
      { role: 'user', content: [{ text: 'p2' }] },
      { role: 'assistant', content: [{ text: 'r2' }] },
      { role: 'user', content: [{ text: 'now' }] },
    ]);
    expect(converseMessages(undefined, 'alone')).toEqual([{ role: 'user', content: [{ text: 'alone' }] }]);
    expect(systemBlocks('Be brief.')).toEqual({ system: [{ text: 'Be brief.' }] });
    expect(systemBlocks(undefined)).toEqual({});
    expect(systemBlocks('')).toEqual({});
  });
});
