import { describe, expect, it } from 'vitest';
import { ConfigError, envName, formatContextBudgets, loadConfig, parseModels, settingsFrom, systemPromptBytes } from '../../infra/config.ts';

const fromEnv = (env: Record<string, string>) => settingsFrom(() => undefined, env);

describe('configuration', () => {
  it('keeps the original design’s 50 prompts a day and DESIGN.md’s defaults', () => {
    const config = loadConfig(fromEnv({}));
    expect(config).toMatchObject({
      stage: 'dev',
      dailyPromptLimit: 50,
      tokenTtlSeconds: 3600,
      region: 'us-east-1',
      defaultModel: 'us.amazon.nova-2-lite-v1:0',
    });
    expect(config.models.map((m) => m.id)).toEqual(['us.amazon.nova-2-lite-v1:0']);
    expect(config.bcryptCost).toBeGreaterThanOrEqual(10);
  });

  it('names every setting TOLLGATE_<UPPER_SNAKE_CASE>', () => {
    expect(envName('dailyPromptLimit')).toBe('TOLLGATE_DAILY_PROMPT_LIMIT');
    expect(envName('authorizerCacheTtlSeconds')).toBe('TOLLGATE_AUTHORIZER_CACHE_TTL_SECONDS');
  });

  it('reads environment variables and lets CDK context win over them', () => {
    const env = { TOLLGATE_DAILY_PROMPT_LIMIT: '7', TOLLGATE_PROMPTS_PER_MINUTE: '3' };
    expect(loadConfig(fromEnv(env))).toMatchObject({ dailyPromptLimit: 7, promptsPerMinute: 3 });
    const context = (key: string) => (key === 'dailyPromptLimit' ? 9 : undefined);
    expect(loadConfig(settingsFrom(context, env))).toMatchObject({ dailyPromptLimit: 9, promptsPerMinute: 3 });
  });

  it('refuses a bad value and says which variable and what it received', () => {
    expect(() => loadConfig(fromEnv({ TOLLGATE_DAILY_PROMPT_LIMIT: 'fifty' }))).toThrow(
      /TOLLGATE_DAILY_PROMPT_LIMIT .*integer from 1 to 1000000\. Received: "fifty"/,
    );
    expect(() => loadConfig(fromEnv({ TOLLGATE_BCRYPT_COST: '4' }))).toThrow(ConfigError);
    expect(() => loadConfig(fromEnv({ TOLLGATE_DEFAULT_MODEL: 'amazon.nova-lite-v1:0' }))).toThrow(/must be one of TOLLGATE_MODELS/);
    expect(() => loadConfig(fromEnv({ TOLLGATE_DAILY_TOKEN_LIMIT: '100' }))).toThrow(/TOLLGATE_DAILY_TOKEN_LIMIT/);
  });

  it('parses a model list with optional display names, naming models from the catalog', () => {
    expect(parseModels('amazon.nova-lite-v1:0, us.amazon.nova-2-lite-v1:0=Nova', 'us-east-1').map(({ id, name, kind }) => ({ id, name, kind }))).toEqual([
      { id: 'amazon.nova-lite-v1:0', name: 'Amazon Nova Lite', kind: 'foundation-model' },
      { id: 'us.amazon.nova-2-lite-v1:0', name: 'Nova', kind: 'system-inference-profile' },
    ]);
    expect(() => parseModels(' , ', 'us-east-1')).toThrow(/at least one/);
    expect(() => parseModels('amazon.nova-lite-v1:0,amazon.nova-lite-v1:0', 'us-east-1')).toThrow(/twice/);
  });

  it('refuses a retired model at synth and names its replacement', () => {
    expect(() => loadConfig(fromEnv({ TOLLGATE_MODELS: 'cohere.command-r-v1:0' }))).toThrow(
      /Cohere Command R, which reached end of life on Bedrock on 2026-08-19 .*Use Amazon Nova 2 Lite \(amazon\.nova-2-lite-v1:0\) instead/,
    );
  });

  it('picks the default model’s profile for the stack’s Region, and global only when asked', () => {
    expect(loadConfig(fromEnv({ TOLLGATE_REGION: 'eu-west-1' })).defaultModel).toBe('eu.amazon.nova-2-lite-v1:0');
    expect(loadConfig(fromEnv({}), 'eu-central-1').defaultModel).toBe('eu.amazon.nova-2-lite-v1:0');
    expect(loadConfig(fromEnv({ TOLLGATE_GLOBAL_INFERENCE: 'true' })).defaultModel).toBe('global.amazon.nova-2-lite-v1:0');
    expect(loadConfig(fromEnv({ TOLLGATE_BEDROCK_REGION: 'eu-west-3' })).defaultModel).toBe('eu.amazon.nova-2-lite-v1:0');
    expect(() => loadConfig(fromEnv({ TOLLGATE_REGION: 'sa-east-1' }))).toThrow(/no geographic inference profile for sa-east-1\. Opt in .*TOLLGATE_GLOBAL_INFERENCE=true/);
    expect(loadConfig(fromEnv({ TOLLGATE_REGION: 'sa-east-1', TOLLGATE_GLOBAL_INFERENCE: 'yes' })).defaultModel).toBe('global.amazon.nova-2-lite-v1:0');
  });

  it('keeps the models resolvers get under AppSync’s 512 characters per environment value', () => {
    const arn = (n: number) => `arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/${String(n).padStart(12, 'a')}@us.amazon.nova-2-lite-v1:0`;
    const many = Array.from({ length: 6 }, (_, i) => `${arn(i)}=Team ${i}`).join(',');
    expect(() => loadConfig(fromEnv({ TOLLGATE_MODELS: many }))).toThrow(/AppSync accepts at most 512/);
  });

  it('refuses a maxTokens ceiling above what a configured model can write', () => {
    expect(() => loadConfig(fromEnv({ TOLLGATE_MODELS: 'amazon.nova-lite-v1:0', TOLLGATE_MAX_OUTPUT_TOKENS: '8000' }))).toThrow(/more than Amazon Nova Lite can write \(5000/);
  });

  it('turns hygiene settings on and off: introspection follows the stage unless set, the API key lives at most 364 days', () => {
    expect(loadConfig(fromEnv({})).introspection).toBe(true);
    expect(loadConfig(fromEnv({ TOLLGATE_STAGE: 'prod' })).introspection).toBe(false);
    expect(loadConfig(fromEnv({ TOLLGATE_STAGE: 'prod', TOLLGATE_INTROSPECTION: 'true' })).introspection).toBe(true);
    expect(() => loadConfig(fromEnv({ TOLLGATE_TRACING: 'maybe' }))).toThrow(/TOLLGATE_TRACING .*true or false/);
    expect(loadConfig(fromEnv({})).apiKeyDays).toBe(364);
    expect(() => loadConfig(fromEnv({ TOLLGATE_API_KEY_DAYS: '365' }))).toThrow(/TOLLGATE_API_KEY_DAYS/);
    expect(loadConfig(fromEnv({})).modelReservedConcurrency).toBe(0);
  });
});

describe('a failed synth', () => {
  it('shows the file and line of a resolver that does not compile, without the stack', async () => {
    const { essentials } = await import('../../emulator/synth.ts');
    const output = [
      '✘ [ERROR] Expected ")" but found ";"',
      '',
      '    resolvers/Query.models.ts:8:14:',
      '      8 │   callerOf(ctx;',
      '',
      'node:internal/modules/run_main:123',
      'Error: Build failed with 1 error:',
      '    at failureErrorWithLog (node_modules/esbuild/lib/main.js:1752:15)',
    ].join('\n');
    expect(essentials(output)).toBe('✘ [ERROR] Expected ")" but found ";"\n\n    resolvers/Query.models.ts:8:14:\n      8 │   callerOf(ctx;');
  });

  it('shows a bad setting’s one-line message', async () => {
    const { essentials } = await import('../../emulator/synth.ts');
    const output = 'file:///x/infra/config.ts:60\n    throw new ConfigError(…)\n          ^\n\nConfigError: TOLLGATE_DAILY_PROMPT_LIMIT (context "dailyPromptLimit") must be an integer from 1 to 1000000. Received: "x"\n    at integer (/x/infra/config.ts:60:11)';
    expect(essentials(output)).toBe('ConfigError: TOLLGATE_DAILY_PROMPT_LIMIT (context "dailyPromptLimit") must be an integer from 1 to 1000000. Received: "x"');
  });
});

describe('conversation settings', () => {
  it('give each model the catalog’s context budget, capped by the stage’s setting', () => {
    const models = 'us.amazon.nova-2-lite-v1:0,amazon.nova-lite-v1:0';
    expect(formatContextBudgets(loadConfig(fromEnv({ TOLLGATE_MODELS: models })))).toBe('us.amazon.nova-2-lite-v1:0=32000,amazon.nova-lite-v1:0=32000');
    expect(formatContextBudgets(loadConfig(fromEnv({ TOLLGATE_MODELS: models, TOLLGATE_CONTEXT_BUDGET_TOKENS: '8000' })))).toBe('us.amazon.nova-2-lite-v1:0=8000,amazon.nova-lite-v1:0=8000');
    expect(() => loadConfig(fromEnv({ TOLLGATE_CONTEXT_BUDGET_TOKENS: '-1' }))).toThrow(/TOLLGATE_CONTEXT_BUDGET_TOKENS/);
  });

  it('take a system prompt of text within 2048 UTF-8 bytes, and reserve exactly its bytes', () => {
    const config = loadConfig(fromEnv({ TOLLGATE_SYSTEM_PROMPT: '  Answer in Français, briefly.\n ' }));
    expect(config.systemPrompt).toBe('Answer in Français, briefly.');
    expect(systemPromptBytes(config)).toBe(29);
    expect(systemPromptBytes(loadConfig(fromEnv({})))).toBe(0);
    expect(() => loadConfig(fromEnv({ TOLLGATE_SYSTEM_PROMPT: 'é'.repeat(1025) }))).toThrow(/2050 bytes in UTF-8; at most 2048/);
    expect(() => loadConfig(fromEnv({ TOLLGATE_SYSTEM_PROMPT: 'bell \u0007' }))).toThrow(/control characters/);
    expect(() => loadConfig(fromEnv({ TOLLGATE_SYSTEM_PROMPT: 'broken \ud800' }))).toThrow(/control characters/);
  });
});
