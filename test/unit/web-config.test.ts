// The page refuses what the API would refuse, with the API's own numbers: the limits it is
// configured with (limitsFromEnvironment, from the resolver environment) must be exactly where
// sendPrompt's before step (lib/validate-prompt.ts) — the code that deploys, run through EvaluateCode — draws its lines.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCode } from 'tollgate/evaluate-code';
import { resolverCode, ROOT } from '../../infra/bundle.ts';
import { limitsFromEnvironment } from '../../web/src/config.ts';

const ENV = {
  MAX_PROMPT_CHARS: '100',
  MAX_OUTPUT_TOKENS: '500',
  STREAM_MAX_OUTPUT_TOKENS: '2000',
  MODELS: 'model-a',
  DEFAULT_MODEL: 'model-a',
  PROMPT_RETENTION_DAYS: '30',
  DAILY_PROMPT_LIMIT: '50',
  DAILY_TOKEN_LIMIT: '10000',
  PROMPTS_PER_MINUTE: '10',
  PROMPTS_IN_FLIGHT: '3',
  CONTEXT_BUDGETS: 'model-a=2000,model-b=500',
  SYSTEM_PROMPT_BYTES: '0',
};

const code = resolverCode(join(ROOT, 'resolvers', 'Mutation.sendPrompt', 'index.ts'));
const streamCode = resolverCode(join(ROOT, 'resolvers', 'Mutation.startPrompt', 'index.ts'));

async function refused(args: Record<string, unknown>, resolver = code): Promise<string | null> {
  // startPrompt's validation knows it is startPrompt from info.fieldName.
  const info = resolver === streamCode ? { info: { fieldName: 'startPrompt', parentTypeName: 'Mutation', variables: {}, selectionSetList: [], selectionSetGraphQL: '' } } : {};
  const out = await evaluateCode({
    code: resolver,
    context: JSON.stringify({ env: ENV, identity: { resolverContext: { userId: 'u1', tokenVersion: '0' } }, arguments: args, ...info }),
    function: 'request',
    now: () => Date.parse('2026-11-30T10:00:00Z'),
  });
  return out.error?.message ?? null;
}

describe('the page’s prompt limits', () => {
  const limits = limitsFromEnvironment(ENV);

  it('come from the resolver environment', () => {
    expect(limits).toEqual({ maxPromptChars: 100, maxOutputTokens: 500, streamMaxOutputTokens: 2000, temperature: { min: 0, max: 1 } });
    expect(() => limitsFromEnvironment({ MAX_PROMPT_CHARS: '100' })).toThrow(/MAX_OUTPUT_TOKENS/);
    expect(() => limitsFromEnvironment({ MAX_PROMPT_CHARS: '100', MAX_OUTPUT_TOKENS: '500' })).toThrow(/STREAM_MAX_OUTPUT_TOKENS/);
  });

  it('are the very bounds sendPrompt’s and startPrompt’s validation enforce', async () => {
    expect(await refused({ prompt: 'é'.repeat(limits.maxPromptChars) })).toBeNull();
    expect(await refused({ prompt: 'é'.repeat(limits.maxPromptChars + 1) })).toMatch(/at most 100/);
    expect(await refused({ prompt: 'hi', options: { maxTokens: limits.maxOutputTokens } })).toBeNull();
    expect(await refused({ prompt: 'hi', options: { maxTokens: limits.maxOutputTokens + 1 } })).toMatch(/maxTokens/);
    // A streamed prompt (startPrompt) may ask for more: the page's bound when it streams.
    expect(await refused({ prompt: 'hi', options: { maxTokens: limits.streamMaxOutputTokens } }, streamCode)).toBeNull();
    expect(await refused({ prompt: 'hi', options: { maxTokens: limits.streamMaxOutputTokens + 1 } }, streamCode)).toMatch(/maxTokens/);
    expect(await refused({ prompt: 'hi', options: { temperature: limits.temperature.min } })).toBeNull();
    expect(await refused({ prompt: 'hi', options: { temperature: limits.temperature.max } })).toBeNull();
    expect(await refused({ prompt: 'hi', options: { temperature: limits.temperature.max + 0.01 } })).toMatch(/temperature/);
    expect(await refused({ prompt: 'hi', options: { temperature: limits.temperature.min - 0.01 } })).toMatch(/temperature/);
  }, 60_000);
});
