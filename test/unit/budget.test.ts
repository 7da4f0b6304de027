// The token budget's arithmetic (resolvers/lib/budget.ts), checked as a property: whatever the
// prompts, their order and their outcomes, the day's counter never passes the budget while the
// models stay within the reservation, and every overrun is reported.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reservation, settleAnswer, settleFailure, TEMPLATE_ALLOWANCE_TOKENS } from '../../resolvers/lib/budget.ts';

type Outcome = { kind: 'answer'; inputShare: number; outputShare: number } | { kind: 'failure'; charged: boolean };

const prompt = fc.record({
  bytes: fc.integer({ min: 1, max: 16_000 }),
  maxTokens: fc.integer({ min: 1, max: 4096 }),
  outcome: fc.oneof(
    fc.record({ kind: fc.constant('answer' as const), inputShare: fc.double({ min: 0, max: 1, noNaN: true }), outputShare: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({ kind: fc.constant('failure' as const), charged: fc.boolean() }),
  ),
});

describe('the token budget', () => {
  it('reserves the prompt’s UTF-8 bytes, the template allowance and maxTokens', () => {
    expect(reservation(12_000, 1024)).toBe(12_000 + TEMPLATE_ALLOWANCE_TOKENS + 1024);
  });

  it('is never exceeded when admission checks the reservation and models stay within it, in any settle order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), fc.array(prompt, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 30 }), (budget, prompts, order) => {
        let tokens = 0;
        let input = 0;
        let output = 0;
        const inFlight: { reserve: number; bytes: number; maxTokens: number; outcome: Outcome }[] = [];
        for (const p of prompts) {
          const reserve = reservation(p.bytes, p.maxTokens);
          // reserveQuota's condition: tokens <= budget - reserve.
          if (tokens <= budget - reserve) {
            tokens += reserve;
            inFlight.push({ reserve, ...p });
          }
          expect(tokens).toBeLessThanOrEqual(budget);
        }
        for (const pick of order) {
          if (inFlight.length === 0) break;
          const [p] = inFlight.splice(pick % inFlight.length, 1);
          const settled =
            p!.outcome.kind === 'answer'
              ? settleAnswer(p!.reserve, Math.floor(p!.outcome.inputShare * (p!.bytes + TEMPLATE_ALLOWANCE_TOKENS)), Math.floor(p!.outcome.outputShare * p!.maxTokens))
              : settleFailure(p!.reserve, p!.maxTokens, p!.outcome.charged);
          expect(settled.overrun).toBe(0);
          tokens += settled.tokensDelta;
          input += settled.inputTokens;
          output += settled.outputTokens;
          expect(tokens).toBeLessThanOrEqual(budget);
          expect(tokens).toBeGreaterThanOrEqual(0);
        }
        // Once everything has settled, the counter is exactly what was charged.
        if (inFlight.length === 0) expect(tokens).toBe(input + output);
      }),
      { numRuns: 500 },
    );
  });

  it('reports exactly the tokens a model used beyond the reservation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16_000 }), fc.integer({ min: 1, max: 4096 }), fc.nat(40_000), fc.nat(8192), (bytes, maxTokens, inputTokens, outputTokens) => {
        const reserve = reservation(bytes, maxTokens);
        const settled = settleAnswer(reserve, inputTokens, outputTokens);
        expect(settled.overrun).toBe(Math.max(0, inputTokens + outputTokens - reserve));
        expect(settled.tokensDelta).toBe(inputTokens + outputTokens - reserve);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a charged failure’s whole reservation and gives back a refunded one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16_000 }), fc.integer({ min: 1, max: 4096 }), (bytes, maxTokens) => {
        const reserve = reservation(bytes, maxTokens);
        expect(settleFailure(reserve, maxTokens, true)).toEqual({ tokensDelta: 0, queriesDelta: 0, inputTokens: reserve - maxTokens, outputTokens: maxTokens, overrun: 0 });
        expect(settleFailure(reserve, maxTokens, false)).toEqual({ tokensDelta: -reserve, queriesDelta: -1, inputTokens: 0, outputTokens: 0, overrun: 0 });
      }),
      { numRuns: 200 },
    );
  });
});
