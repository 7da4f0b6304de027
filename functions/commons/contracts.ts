// The payloads that cross between the APPSYNC_JS resolvers and the Lambda data sources.
// Type-only: resolvers import these for their types, never for code.

/** An error in the vocabulary of DESIGN.md, as a Lambda hands it to a resolver to raise. */
export interface VocabularyError {
  type: string;
  message: string;
  info: Record<string, unknown> | null;
}

export type Outcome<T> = { data: T; error?: undefined } | { data?: undefined; error: VocabularyError };

export interface RegisterEvent {
  action: 'register';
  email: string;
  password: string;
}

export interface LoginEvent {
  action: 'login';
  email: string;
  password: string;
  sourceIp: string | null;
}

export type AuthEvent = RegisterEvent | LoginEvent;

export interface RegisterData {
  id: string;
  email: string;
  message: string;
}

export interface LoginData {
  token: string;
  expiresAt: string;
  email: string;
  message: string;
}

export interface ModelEvent {
  modelId: string;
  prompt: string;
  maxTokens: number;
  temperature: number | null;
}

/** A retry with an idempotency key that was not admitted: is it a duplicate, and of what? */
export interface ReplayEvent {
  replay: { userId: string; day: string; idempotencyKey: string };
}

/** The first attempt's answer, as sendPrompt returned it, or found: false. */
export interface ReplayData {
  found: boolean;
  result: {
    id: string;
    prompt: string;
    response: string;
    model: string;
    queries: number;
    balance: number;
    usage: { inputTokens: number; outputTokens: number };
    createdAt: string;
    status: 'COMPLETED' | 'BLOCKED';
  } | null;
}

export interface ModelAnswer {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Converse's stopReason; guardrail_intervened makes the prompt BLOCKED. */
  stopReason: string;
}

/** What the authorizer puts in resolverContext: flat string values, as AppSync requires. */
export interface CallerContext {
  userId: string;
  email: string;
  /** Per-user overrides; empty string when the stack's default applies. */
  dailyPromptLimit: string;
  dailyTokenLimit: string;
  promptsPerMinute: string;
}
