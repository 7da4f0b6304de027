// The payloads that cross between the APPSYNC_JS resolvers and the Lambda data sources.
// Type-only: resolvers import these for their types, never for code.
import type { ContextTurn } from '../../resolvers/lib/context.ts';
import type { PendingPrompt } from '../../resolvers/lib/settlement.ts';

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
  /** The caller's address as AppSync saw it (resolvers/lib/source.ts); null if it could not be read. */
  sourceIp: string | null;
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
  /**
   * The conversation's earlier turns sent with the prompt, oldest first, already trimmed to the
   * budget their tokens were reserved for (resolvers/lib/context.ts); absent or empty for none.
   */
  history?: ContextTurn[];
  maxTokens: number;
  temperature: number | null;
  /**
   * The admitted prompt, for the function to settle it itself (log record, then usage) with the
   * SDK's retries once the model has answered or failed. Without it the function only calls the
   * model. An asynchronous invocation's on-failure record carries it to the reconciler.
   */
  pending?: PendingPrompt;
}

/** How far the model function got settling (resolvers/lib/prompt.ts SettleState). */
export type ModelSettled = 'applied' | 'logged' | 'none' | 'elsewhere';

export type ModelOutcome = Outcome<ModelAnswer> & { settled?: ModelSettled };

/**
 * How a failed model call is settled: whether Bedrock may have run it (then its slot and reserved
 * tokens stay charged, as Bedrock bills it) and whether it timed out after being sent.
 */
export interface ModelFailureInfo {
  retryable: boolean;
  charged: boolean;
  timedOut: boolean;
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
  /** The token's version, which sendPrompt checks again before admitting a prompt. */
  tokenVersion: string;
  /** Per-user overrides; empty string when the stack's default applies. */
  dailyPromptLimit: string;
  dailyTokenLimit: string;
  promptsPerMinute: string;
  promptsInFlight: string;
  /** Set (seconds to wait) when the authorizer could not make its checks: every resolver answers RateLimited. */
  unavailable?: string;
}
