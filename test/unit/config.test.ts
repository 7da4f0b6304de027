import { describe, expect, it } from 'vitest';
import { ConfigError, envName, loadConfig, parseModels, settingsFrom } from '../../infra/config.ts';

const fromEnv = (env: Record<string, string>) => settingsFrom(() => undefined, env);

describe('configuration', () => {
  it('keeps the original design’s 50 prompts a day and DESIGN.md’s defaults', () => {
    const config = loadConfig(fromEnv({}));
    expect(config).toMatchObject({
      stage: 'dev',
      dailyPromptLimit: 50,
      tokenTtlSeconds: 3600,
      defaultModel: 'cohere.command-r-v1:0',
    });
    expect(config.models.map((m) => m.id)).toEqual(['cohere.command-r-v1:0', 'cohere.command-r-plus-v1:0']);
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

  it('parses a model list with optional display names', () => {
    expect(parseModels('amazon.nova-lite-v1:0, my.model-v1:0=My Model')).toEqual([
      { id: 'amazon.nova-lite-v1:0', name: 'Amazon Nova Lite' },
      { id: 'my.model-v1:0', name: 'My Model' },
    ]);
    expect(() => parseModels(' , ')).toThrow(/at least one/);
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
