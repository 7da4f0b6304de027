// Tollgate's configuration: one typed place, with the defaults of DESIGN.md, read from CDK
// context or TOLLGATE_<UPPER_SNAKE_CASE> environment variables.

export interface ModelConfig {
  /** Bedrock model id (Converse API), e.g. cohere.command-r-v1:0 */
  id: string;
  /** Display name shown by Query.models */
  name: string;
}

export interface TollgateConfig {
  stage: string;
  dailyPromptLimit: number;
  dailyTokenLimit: number;
  promptsPerMinute: number;
  maxPromptChars: number;
  maxOutputTokens: number;
  models: ModelConfig[];
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
}

const KNOWN_MODEL_NAMES: Record<string, string> = {
  'cohere.command-r-v1:0': 'Cohere Command R',
  'cohere.command-r-plus-v1:0': 'Cohere Command R+',
  'anthropic.claude-3-haiku-20240307-v1:0': 'Anthropic Claude 3 Haiku',
  'amazon.nova-micro-v1:0': 'Amazon Nova Micro',
  'amazon.nova-lite-v1:0': 'Amazon Nova Lite',
  'meta.llama3-8b-instruct-v1:0': 'Meta Llama 3 8B Instruct',
  'mistral.mistral-small-2402-v1:0': 'Mistral Small',
};

export const DEFAULT_MODELS = 'cohere.command-r-v1:0,cohere.command-r-plus-v1:0';

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

/** Parses `id[=Display name],…`. */
export function parseModels(raw: string): ModelConfig[] {
  const models = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const eq = part.indexOf('=');
      const id = (eq === -1 ? part : part.slice(0, eq)).trim();
      const name = eq === -1 ? (KNOWN_MODEL_NAMES[id] ?? id) : part.slice(eq + 1).trim();
      if (!/^[a-zA-Z0-9._:/-]{3,200}$/.test(id) || name.length === 0 || /[,=]/.test(name)) {
        throw new ConfigError(`TOLLGATE_MODELS has an invalid entry. Received: ${JSON.stringify(part)}`);
      }
      return { id, name };
    });
  if (models.length === 0) throw new ConfigError('TOLLGATE_MODELS must list at least one Bedrock model id.');
  return models;
}

/** The string form models travel in as an AppSync environment variable (values ≤ 512 chars). */
export function formatModels(models: ModelConfig[]): string {
  return models.map((m) => `${m.id}=${m.name}`).join(',');
}

export function loadConfig(src: SettingSource): TollgateConfig {
  const modelsRaw = src('models', envName('models'));
  const models = parseModels(modelsRaw === undefined || modelsRaw === '' ? DEFAULT_MODELS : modelsRaw);
  const defaultModel = text(src, 'defaultModel', models[0]!.id, /^[a-zA-Z0-9._:/-]{3,200}$/, 'a Bedrock model id');
  if (!models.some((m) => m.id === defaultModel)) {
    throw new ConfigError(
      `TOLLGATE_DEFAULT_MODEL must be one of TOLLGATE_MODELS (${models.map((m) => m.id).join(', ')}). Received: ${JSON.stringify(defaultModel)}`,
    );
  }
  const config: TollgateConfig = {
    stage: text(src, 'stage', 'dev', /^[a-z][a-z0-9-]{0,20}$/, 'lower-case letters, digits and dashes, starting with a letter (≤ 21 chars)'),
    dailyPromptLimit: integer(src, 'dailyPromptLimit', 50, 1, 1_000_000),
    dailyTokenLimit: integer(src, 'dailyTokenLimit', 200_000, 1, 1_000_000_000),
    promptsPerMinute: integer(src, 'promptsPerMinute', 10, 1, 10_000),
    maxPromptChars: integer(src, 'maxPromptChars', 4000, 1, 200_000),
    maxOutputTokens: integer(src, 'maxOutputTokens', 1024, 1, 32_000),
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
    bedrockRegion: text(src, 'bedrockRegion', '', /^([a-z]{2}(-[a-z]+)+-\d)?$/, 'an AWS region such as us-east-1, or empty'),
    guardrailId: text(src, 'guardrailId', '', /^([a-z0-9]{1,64}|arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:guardrail\/[a-z0-9]+)?$/, 'a Bedrock guardrail id or ARN, or empty'),
    guardrailVersion: text(src, 'guardrailVersion', 'DRAFT', /^(DRAFT|[1-9][0-9]{0,7})$/, 'DRAFT or a version number'),
    wafRateLimit: integer(src, 'wafRateLimit', 1000, 10, 2_000_000_000),
    wafAuthRateLimit: integer(src, 'wafAuthRateLimit', 100, 10, 2_000_000_000),
    wafMaxBodyBytes: integer(src, 'wafMaxBodyBytes', 0, 0, 8192),
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
  return config;
}

/** Settings from CDK context (`cdk synth -c dailyPromptLimit=10`) win over the environment. */
export function settingsFrom(context: (key: string) => unknown, env: NodeJS.ProcessEnv = process.env): SettingSource {
  return (key, name) => {
    const fromContext = context(key);
    if (fromContext !== undefined && fromContext !== null) return String(fromContext);
    return env[name];
  };
}
