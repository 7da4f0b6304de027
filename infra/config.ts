// Tollgate's configuration: one typed place, with the defaults of DESIGN.md, read from CDK
// context or TOLLGATE_<UPPER_SNAKE_CASE> environment variables. Model facts live in models.ts.
import { contextBudget, defaultModelId, ModelConfigError, resolveModel, type ResolvedModel } from './models.ts';

export interface TollgateConfig {
  stage: string;
  dailyPromptLimit: number;
  dailyTokenLimit: number;
  promptsPerMinute: number;
  maxPromptChars: number;
  maxOutputTokens: number;
  /**
   * The Region the stack deploys to. The app is bound to it at synth (cdk deploy passes the
   * operator's Region as CDK_DEFAULT_REGION; offline synth defaults to us-east-1) so that model
   * IDs and IAM ARNs are plain strings in the template: see README, "Regions".
   */
  region: string;
  /** Opt in to global cross-Region inference for the default model. */
  globalInference: boolean;
  models: ResolvedModel[];
  defaultModel: string;
  tokenTtlSeconds: number;
  bcryptCost: number;
  authorizerCacheTtlSeconds: number;
  /** Failed logins per (email, source IP) per window before that client is refused. */
  loginMaxFailures: number;
  /** Failed logins per email per window, from anywhere, before clients with failures are refused. */
  loginEmailMaxFailures: number;
  loginWindowSeconds: number;
  /** Login attempts per source IP (IPv6: per /64) per minute, counted before any hashing. */
  loginAttemptsPerIpPerMinute: number;
  /** Registrations per source IP (IPv6: per /64) per hour, counted before any hashing. */
  registrationsPerIpPerHour: number;
  /** Registrations per hour from everywhere: a ceiling only an attack reaches, with an alarm. */
  registrationsPerHour: number;
  /** Prompts of one user with the model at the same time. */
  promptsInFlight: number;
  /**
   * How many trailing X-Forwarded-For entries AppSync's own front end adds after the client's
   * address: the source IP is the entry this many places from the right. 1 behind AppSync's
   * CloudFront front (see resolvers/lib/source.ts).
   */
  forwardedForHops: number;
  /** AppSync's resolver-count limit: resolvers one request may invoke. */
  resolverCountLimit: number;
  promptRetentionDays: number;
  queryDepthLimit: number;
  modelTimeoutSeconds: number;
  /** Streamed prompts (startPrompt): their output cap, the stream function's timeout, and text batching. */
  streamMaxOutputTokens: number;
  streamTimeoutSeconds: number;
  streamBatchMs: number;
  /** Bedrock region when it differs from the stack's region; empty means the stack's region. */
  bedrockRegion: string;
  /** An optional Bedrock guardrail applied to every prompt and answer (id and version). */
  guardrailId: string;
  guardrailVersion: string;
  /** WAF: requests per IP per 5 minutes, for everything and for register/login. */
  wafRateLimit: number;
  wafAuthRateLimit: number;
  /**
   * WAF: largest request body in bytes, or 0 for none. Set, it must let the largest valid prompt
   * through (see infra/waf.ts); unset, it is derived from maxPromptChars when WAF can see that far.
   */
  wafMaxBodyBytes: number;
  /** Reserved concurrency for the model function; 0 leaves it unreserved (the default). */
  modelReservedConcurrency: number;
  /** AWS X-Ray tracing for the API and the functions. */
  tracing: boolean;
  /** GraphQL introspection; on for the dev stage unless set. */
  introspection: boolean;
  /** Days until the public API key expires, counted at synth: AppSync accepts 1 to 365. */
  apiKeyDays: number;
  /** Caps every model's context budget (infra/models.ts); 0 keeps the catalog's. */
  contextBudgetTokens: number;
  /** Sent as Converse's system prompt with every prompt; empty for none. */
  systemPrompt: string;
}

/** The slowest output rate a stream's timeout allows for (tokens a second). A choice, not a measurement of AWS. */
export const STREAM_FLOOR_TOKENS_PER_SECOND = 20;

/** A source of raw settings: CDK context first, then the environment. */
export type SettingSource = (key: string, envName: string) => string | undefined;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function envName(key: string): string {
  return 'TOLLGATE_' + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function integer(src: SettingSource, key: string, fallback: number, min: number, max: number): number {
  const name = envName(key);
  const raw = src(key, name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} (context "${key}") must be an integer from ${min} to ${max}. Received: ${JSON.stringify(raw)}`);
  }
  return value;
}

function text(src: SettingSource, key: string, fallback: string, pattern: RegExp, rule: string): string {
  const name = envName(key);
  const raw = src(key, name);
  const value = raw === undefined || raw === '' ? fallback : raw.trim();
  if (!pattern.test(value)) {
    throw new ConfigError(`${name} (context "${key}") must be ${rule}. Received: ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(src: SettingSource, key: string, fallback: boolean): boolean {
  const name = envName(key);
  const raw = src(key, name);
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1|yes)$/i.test(raw.trim())) return true;
  if (/^(false|0|no)$/i.test(raw.trim())) return false;
  throw new ConfigError(`${name} (context "${key}") must be true or false. Received: ${JSON.stringify(raw)}`);
}

function asConfigError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ModelConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

/** AppSync refuses an environment variable value over 512 characters (APPSYNC.md). */
export const MAX_APPSYNC_ENV_VALUE = 512;

/**
 * Parses `id[@wrapped ID][=Display name],…` and resolves each ID against the model catalog for
 * the Bedrock Region: foundation model IDs, system inference profile IDs (us./eu./global.) and
 * application inference profile ARNs (with the ID they wrap after "@").
 */
export function parseModels(raw: string, region: string): ResolvedModel[] {
  const entries = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (entries.length === 0) throw new ConfigError('TOLLGATE_MODELS must list at least one Bedrock model or inference profile ID.');
  const models = entries.map((part) => {
    const eq = part.indexOf('=');
    const id = (eq === -1 ? part : part.slice(0, eq)).trim();
    const name = eq === -1 ? undefined : part.slice(eq + 1).trim();
    if (!/^[a-zA-Z0-9._:/@-]{3,300}$/.test(id) || name === '' || (name !== undefined && /[,=]/.test(name))) {
      throw new ConfigError(`TOLLGATE_MODELS has an invalid entry. Received: ${JSON.stringify(part)}`);
    }
    return asConfigError(() => resolveModel(id, region, name));
  });
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.id)) throw new ConfigError(`TOLLGATE_MODELS lists ${m.id} twice.`);
    seen.add(m.id);
  }
  return models;
}

/** The string form models travel in as an AppSync environment variable: only what resolvers need. */
export function formatModels(models: ResolvedModel[]): string {
  return models.map((m) => `${m.id}=${m.name}`).join(',');
}

export function loadConfig(src: SettingSource, fallbackRegion = 'us-east-1'): TollgateConfig {
  const stage = text(src, 'stage', 'dev', /^[a-z][a-z0-9-]{0,20}$/, 'lower-case letters, digits and dashes, starting with a letter (≤ 21 chars)');
  const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d$/;
  const region = text(src, 'region', fallbackRegion, regionPattern, 'an AWS Region such as us-east-1');
  const bedrockRegion = text(src, 'bedrockRegion', '', /^([a-z]{2}(-[a-z]+)+-\d)?$/, 'an AWS region such as us-east-1, or empty');
  const sourceRegion = bedrockRegion || region;
  const globalInference = flag(src, 'globalInference', false);
  const modelsRaw = src('models', envName('models'));
  const models = parseModels(modelsRaw === undefined || modelsRaw === '' ? asConfigError(() => defaultModelId(sourceRegion, globalInference)) : modelsRaw, sourceRegion);
  const defaultModel = text(src, 'defaultModel', models[0]!.id, /^[a-zA-Z0-9._:/-]{3,200}$/, 'a Bedrock model or inference profile ID');
  if (!models.some((m) => m.id === defaultModel)) {
    throw new ConfigError(
      `TOLLGATE_DEFAULT_MODEL must be one of TOLLGATE_MODELS (${models.map((m) => m.id).join(', ')}). Received: ${JSON.stringify(defaultModel)}`,
    );
  }
  const formatted = formatModels(models);
  if (formatted.length > MAX_APPSYNC_ENV_VALUE) {
    throw new ConfigError(`TOLLGATE_MODELS gives resolvers ${formatted.length} characters of models; AppSync accepts at most ${MAX_APPSYNC_ENV_VALUE} per value. List fewer models or shorter names.`);
  }
  const config: TollgateConfig = {
    stage,
    dailyPromptLimit: integer(src, 'dailyPromptLimit', 50, 1, 1_000_000),
    dailyTokenLimit: integer(src, 'dailyTokenLimit', 200_000, 1, 1_000_000_000),
    promptsPerMinute: integer(src, 'promptsPerMinute', 10, 1, 10_000),
    maxPromptChars: integer(src, 'maxPromptChars', 4000, 1, 200_000),
    maxOutputTokens: integer(src, 'maxOutputTokens', 1024, 1, 32_000),
    region,
    globalInference,
    models,
    defaultModel,
    tokenTtlSeconds: integer(src, 'tokenTtlSeconds', 3600, 60, 7 * 24 * 3600),
    bcryptCost: integer(src, 'bcryptCost', 10, 10, 15),
    authorizerCacheTtlSeconds: integer(src, 'authorizerCacheTtlSeconds', 60, 0, 3600),
    loginMaxFailures: integer(src, 'loginMaxFailures', 10, 1, 1000),
    loginEmailMaxFailures: integer(src, 'loginEmailMaxFailures', 100, 1, 1_000_000),
    loginWindowSeconds: integer(src, 'loginWindowSeconds', 900, 60, 86_400),
    loginAttemptsPerIpPerMinute: integer(src, 'loginAttemptsPerIpPerMinute', 60, 1, 100_000),
    registrationsPerIpPerHour: integer(src, 'registrationsPerIpPerHour', 5, 1, 100_000),
    registrationsPerHour: integer(src, 'registrationsPerHour', 1000, 1, 10_000_000),
    promptsInFlight: integer(src, 'promptsInFlight', 3, 1, 100),
    forwardedForHops: integer(src, 'forwardedForHops', 1, 0, 5),
    resolverCountLimit: integer(src, 'resolverCountLimit', 10, 1, 10_000),
    promptRetentionDays: integer(src, 'promptRetentionDays', 30, 1, 3650),
    queryDepthLimit: integer(src, 'queryDepthLimit', 10, 1, 75),
    modelTimeoutSeconds: integer(src, 'modelTimeoutSeconds', 20, 1, 25),
    streamMaxOutputTokens: 0,
    streamTimeoutSeconds: 0,
    // 250 ms: 4 updates a second read as smooth text, and a 3 s answer costs ~13 publishes instead
    // of ~53 unbatched (npm run bench, README "Streaming"); the first text goes out at once anyway.
    streamBatchMs: integer(src, 'streamBatchMs', 250, 0, 5000),
    bedrockRegion,
    guardrailId: text(src, 'guardrailId', '', /^([a-z0-9]{1,64}|arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:guardrail\/[a-z0-9]+)?$/, 'a Bedrock guardrail id or ARN, or empty'),
    guardrailVersion: text(src, 'guardrailVersion', 'DRAFT', /^(DRAFT|[1-9][0-9]{0,7})$/, 'DRAFT or a version number'),
    wafRateLimit: integer(src, 'wafRateLimit', 1000, 10, 2_000_000_000),
    wafAuthRateLimit: integer(src, 'wafAuthRateLimit', 100, 10, 2_000_000_000),
    wafMaxBodyBytes: integer(src, 'wafMaxBodyBytes', 0, 0, 8192),
    modelReservedConcurrency: integer(src, 'modelReservedConcurrency', 0, 0, 10_000),
    tracing: flag(src, 'tracing', false),
    introspection: flag(src, 'introspection', stage === 'dev'),
    // 364, not 365: the expiry is counted from synth, and a deploy a little later (or a clock a
    // little ahead) would push a 365-day key past AppSync's limit (API_CreateApiKey: 1 to 365
    // days, https://docs.aws.amazon.com/appsync/latest/APIReference/API_CreateApiKey.html, checked 2026-11-30).
    apiKeyDays: integer(src, 'apiKeyDays', 364, 1, 364),
    contextBudgetTokens: integer(src, 'contextBudgetTokens', 0, 0, 1_000_000),
    systemPrompt: systemPrompt(src),
  };
  if (config.dailyTokenLimit < config.maxOutputTokens) {
    throw new ConfigError(
      `TOLLGATE_DAILY_TOKEN_LIMIT (${config.dailyTokenLimit}) must be at least TOLLGATE_MAX_OUTPUT_TOKENS (${config.maxOutputTokens}), or no prompt could ever fit.`,
    );
  }
  if (config.loginEmailMaxFailures < config.loginMaxFailures) {
    throw new ConfigError(
      `TOLLGATE_LOGIN_EMAIL_MAX_FAILURES (${config.loginEmailMaxFailures}) must be at least TOLLGATE_LOGIN_MAX_FAILURES (${config.loginMaxFailures}): the per-email ceiling is the higher one.`,
    );
  }
  if (config.registrationsPerHour < config.registrationsPerIpPerHour) {
    throw new ConfigError(
      `TOLLGATE_REGISTRATIONS_PER_HOUR (${config.registrationsPerHour}) must be at least TOLLGATE_REGISTRATIONS_PER_IP_PER_HOUR (${config.registrationsPerIpPerHour}).`,
    );
  }
  const budgets = formatContextBudgets(config);
  if (budgets.length > MAX_APPSYNC_ENV_VALUE) {
    throw new ConfigError(`TOLLGATE_MODELS gives resolvers ${budgets.length} characters of context budgets; AppSync accepts at most ${MAX_APPSYNC_ENV_VALUE} per value. List fewer models.`);
  }
  const smallest = models.reduce((a, b) => (b.model.maxOutputTokens < a.model.maxOutputTokens ? b : a));
  if (config.maxOutputTokens > smallest.model.maxOutputTokens) {
    throw new ConfigError(
      `TOLLGATE_MAX_OUTPUT_TOKENS (${config.maxOutputTokens}) is more than ${smallest.name} can write (${smallest.model.maxOutputTokens}, ${smallest.model.source.url}).`,
    );
  }
  // A stream may run past AppSync's 30 s, so it may write more: up to what the configured models
  // can (the catalog), 4096 by default, within the day's token budget.
  config.streamMaxOutputTokens = integer(src, 'streamMaxOutputTokens', Math.min(4096, smallest.model.maxOutputTokens, config.dailyTokenLimit), 1, smallest.model.maxOutputTokens);
  if (config.streamMaxOutputTokens > config.dailyTokenLimit) {
    throw new ConfigError(`TOLLGATE_STREAM_MAX_OUTPUT_TOKENS (${config.streamMaxOutputTokens}) must be at most TOLLGATE_DAILY_TOKEN_LIMIT (${config.dailyTokenLimit}), or no such prompt could fit.`);
  }
  // The stream function's timeout follows its output cap: a floor of STREAM_FLOOR_TOKENS_PER_SECOND
  // (slower than any catalog model streams) plus the time to first token, within Lambda's 900 s.
  config.streamTimeoutSeconds = integer(src, 'streamTimeoutSeconds', Math.min(900, 30 + Math.ceil(config.streamMaxOutputTokens / STREAM_FLOOR_TOKENS_PER_SECOND)), 10, 900);
  return config;
}

/**
 * The system prompt travels in the model function's environment, which Lambda caps at 4 KB for all
 * variables together ("Total size of environment variables set: 4 KB",
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html, checked 2026-11-30):
 * 2 KB leaves room for the rest.
 */
export const MAX_SYSTEM_PROMPT_BYTES = 2048;

function systemPrompt(src: SettingSource): string {
  const name = envName('systemPrompt');
  const raw = src('systemPrompt', name) ?? '';
  const value = raw.trim();
  const bytes = Buffer.byteLength(value, 'utf8');
  // Control characters (other than newline and tab) and lone surrogates, which have no UTF-8 form.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|\p{Cs}/u.test(value)) {
    throw new ConfigError(`${name} (context "systemPrompt") must be text without control characters other than newlines and tabs.`);
  }
  if (bytes > MAX_SYSTEM_PROMPT_BYTES) {
    throw new ConfigError(`${name} (context "systemPrompt") has ${bytes} bytes in UTF-8; at most ${MAX_SYSTEM_PROMPT_BYTES} are allowed.`);
  }
  return value;
}

/** The UTF-8 bytes of the system prompt: what resolvers reserve for it (SYSTEM_PROMPT_BYTES). */
export function systemPromptBytes(config: TollgateConfig): number {
  return Buffer.byteLength(config.systemPrompt, 'utf8');
}

/** Every model's context budget as resolvers read it (CONTEXT_BUDGETS): `<id>=<tokens>,…`. */
export function formatContextBudgets(config: TollgateConfig): string {
  return config.models.map((m) => `${m.id}=${contextBudget(m.model, config.contextBudgetTokens, config.maxOutputTokens)}`).join(',');
}

/** Settings from CDK context (`cdk synth -c dailyPromptLimit=10`) win over the environment. */
export function settingsFrom(context: (key: string) => unknown, env: NodeJS.ProcessEnv = process.env): SettingSource {
  return (key, name) => {
    const fromContext = context(key);
    if (fromContext !== undefined && fromContext !== null) return String(fromContext);
    return env[name];
  };
}
