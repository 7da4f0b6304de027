// What the sendPrompt pipeline's steps hand each other through the stash, and the admission rules
// they share: the usage item's counters, the idempotency claim and the in-flight leases.
import { util } from '@aws-appsync/utils';
import type { DynamoDBExpression, DynamoDBUpdateItemRequest } from '@aws-appsync/utils';

type DynamoDBValue = { N: number } | { S: string } | { SS: string[] };
import type { ModelAnswer, ModelEvent, ModelFailureInfo } from '../../functions/commons/contracts.ts';
import type { PromptRecord, PromptStatus, SendPromptResult } from '../../generated/graphql.ts';
import { ErrorType } from './errors.ts';
import { recordEvent } from './events.ts';
import type { Clock } from './time.ts';
import type { Limits } from './caller.ts';
import type { ContextTurn } from './context.ts';
import { leaseFacts, leaseShardOf, type LeaseConversation, type PendingPrompt } from './settlement.ts';

/**
 * How long a prompt holds its in-flight slot: AppSync ends every request within 30 s ("30 seconds
 * is a hard limit", https://github.com/aws/aws-appsync-community/issues/43, checked 2026-11-30),
 * so no prompt is still with the model after that, even if its request crashed before settling.
 */
export const LEASE_MS = 30000;

// How long a streamed prompt holds its slot, and is shown as STREAMING: lib/settlement.ts, where the
// reconciler's purge of deleted conversations reads them too.
export { STREAM_EVENT_AGE_MS, streamLeaseMs, streamSettledMs } from './settlement.ts';

/** Seconds a duplicate is asked to wait while the first attempt is still with the model. */
export const DUPLICATE_RETRY_SECONDS = 2;

export interface PromptInput {
  id: string;
  userId: string;
  email: string;
  tokenVersion: string;
  prompt: string;
  model: string;
  maxTokens: number;
  temperature: number | null;
  /** Tokens held against the day's budget until settle (lib/budget.ts). */
  reserve: number;
  createdAt: string;
  expiresAt: number;
  clock: Clock;
  limits: Limits;
  idempotencyKey: string | null;
  /** This prompt's in-flight lease (lib/settlement.ts leaseOf), an element of the usage item's `leases` set. */
  lease: string;
  /** When the lease ends (epoch ms): the reconciler's index orders items by it. */
  leaseDeadline: number;
  /** The conversation the prompt goes into: the one named, or a new one's fresh id. */
  conversationId: string;
  /** No conversation was named: this prompt starts one (nothing to read before it). */
  newConversation: boolean;
  /** The bound on what is sent without earlier turns (lib/context.ts baseInputBound). */
  baseInput: number;
  /** The most the input may be: the model's context budget, and what the day's budget leaves beside maxTokens. */
  inputBudget: number;
  /** startPrompt: answered through a stream, not in this request. */
  streamed: boolean;
}

export interface PromptStash {
  input: PromptInput;
  /** True once a conditional write charged this prompt. */
  admitted?: boolean;
  /** Prompts used today after this one was admitted. */
  queries?: number;
  /** Not admitted at first: the usage item as it was read, to find out why. */
  usage?: UsageItem;
  /** A duplicate whose first attempt is no longer running: its prompt id, to look up. */
  lookup?: string;
  /** Admission is possible although expired leases (and a stale claim) hold the item. */
  readmit?: { live: string[]; all: string[]; claim: string | null };
  /** reserveQuota failed in a way that may still have admitted it (a lost response): readUsage looks. */
  uncertain?: boolean;
  answer?: ModelAnswer;
  /** errorType: a failure before the model that is not the model's (NotFound, RateLimited); ModelError otherwise. */
  modelError?: { message: string; errorType?: string } & ModelFailureInfo;
  /**
   * How far settling got (lib/settlement.ts): 'applied' both writes done, 'logged' the record only
   * (the reconciler applies it), 'none' nothing yet, 'elsewhere' someone else wrote the record.
   */
  settled?: SettleState;
  /** A retry of an answered prompt: its first result, returned as is and not charged again. */
  replay?: SendPromptResult;
  /** The earlier turns sent with the prompt, oldest first (readContext). */
  history?: ContextTurn[];
  /** This prompt's place in its conversation, once openTurn counted it. */
  seq?: number;
  /** startPrompt: a restart of a prompt still being streamed (its id); nothing is charged. */
  started?: string;
}

export type SettleState = 'applied' | 'logged' | 'none' | 'elsewhere';

/** The admitted prompt as settling sees it. */
/** What the model function (invokeModel) and the stream function (invokeStream) are sent: one shape for both. */
export function modelEventOf(s: PromptStash): ModelEvent {
  const input = s.input;
  return { modelId: input.model, prompt: input.prompt, history: s.history ?? [], maxTokens: input.maxTokens, temperature: input.temperature, pending: pendingOf(s) };
}

export function pendingOf(s: PromptStash): PendingPrompt {
  const input = s.input;
  return {
    userId: input.userId,
    id: input.id,
    day: input.clock.day,
    minuteAttr: input.clock.minuteAttr,
    lease: input.lease,
    reserve: input.reserve,
    maxTokens: input.maxTokens,
    prompt: input.prompt,
    model: input.model,
    createdAt: input.createdAt,
    expiresAt: input.expiresAt,
    idempotencyKey: input.idempotencyKey,
    queries: s.queries ?? 0,
    dailyPromptLimit: input.limits.dailyPromptLimit,
    conversation: s.seq ? { id: input.conversationId, seq: s.seq, contextTurns: (s.history ?? []).length } : null,
  };
}

/** A prompt log item as the Prompts table holds it (settle writes it). */
export interface StoredPrompt {
  id: string;
  prompt: string;
  response?: string;
  model: string;
  status: PromptStatus;
  queries?: number;
  balance?: number;
  inputTokens?: number;
  outputTokens?: number;
  createdAt: string;
  conversationId?: string;
  seq?: number;
  contextTurns?: number;
}

/** A log record as clients see it (myPrompts, conversationTurns, prompt). */
export function promptRecordOf(item: StoredPrompt): PromptRecord {
  return {
    id: item.id,
    prompt: item.prompt,
    response: item.response ?? null,
    model: item.model,
    status: item.status,
    usage: item.inputTokens !== undefined ? { inputTokens: item.inputTokens, outputTokens: item.outputTokens ?? 0 } : null,
    createdAt: item.createdAt,
    conversationId: item.conversationId ?? null,
    seq: item.seq ?? null,
  };
}

/** The same answer whether the prompt is another user's or does not exist. */
export const NOT_YOURS = 'No prompt with that id belongs to you.';

export interface UsageItem {
  queries?: number;
  tokens?: number;
  leases?: string[];
  [attribute: string]: unknown;
}

/** The usage item attribute that claims an idempotency key for the day. */
export function idempotencyAttr(key: string): string {
  return 'idem:' + key;
}

/** The usage item's key: one item per user per UTC day. */
export function usageKey(input: { userId: string; clock: Clock }): { userId: { S: string }; day: { S: string } } {
  return { userId: { S: input.userId }, day: { S: input.clock.day } };
}

export function leaseUntil(lease: string): number {
  return leaseFacts(lease).deadlineMs;
}

export function leasePromptId(lease: string): string {
  return leaseFacts(lease).id;
}

/** The conversation a prompt's lease in the usage item names, or null (no such lease, or one of an older format). */
export function leaseConversation(item: UsageItem | undefined, promptId: string): LeaseConversation | null {
  for (const lease of (item && item.leases) || []) {
    const facts = leaseFacts(lease);
    if (facts.id === promptId) return facts.conversation;
  }
  return null;
}

/**
 * The admission write: the day's prompt count, the minute's count, the token reservation, the
 * idempotency claim and this prompt's lease, in one conditional UpdateItem. `leases` is what the
 * in-flight condition and update are (reserveQuota: add to whatever is there while fewer than the
 * limit; readmit: add to exactly the set that was read, when its live leases leave room).
 */
export function admission(
  input: PromptInput,
  leases: { kind: 'add' } | { kind: 'replace'; all: string[]; live: string[] },
  claim: string | null,
): DynamoDBUpdateItemRequest {
  const key = input.idempotencyKey;
  const names: Record<string, string> = { '#minute': input.clock.minuteAttr };
  // Update and condition values stay apart: DynamoDB refuses a value neither expression uses.
  const set: Record<string, DynamoDBValue> = {
    ':zero': { N: 0 },
    ':one': { N: 1 },
    ':reserve': { N: input.reserve },
    ':expiresAt': { N: input.clock.usageExpiresAt },
    ':shard': { S: leaseShardOf(input.userId) },
    ':due': { N: input.leaseDeadline },
  };
  const check: Record<string, DynamoDBValue> = {
    ':dailyLimit': { N: input.limits.dailyPromptLimit },
    ':headroom': { N: input.limits.dailyTokenLimit - input.reserve },
    ':perMinute': { N: input.limits.promptsPerMinute },
  };
  const sets = [
    'queries = if_not_exists(queries, :zero) + :one',
    'tokens = if_not_exists(tokens, :zero) + :reserve',
    '#minute = if_not_exists(#minute, :zero) + :one',
    'inputTokens = if_not_exists(inputTokens, :zero)',
    'outputTokens = if_not_exists(outputTokens, :zero)',
    'expiresAt = :expiresAt',
    // The reconciler's sparse index: an item with leases is in it, due no later than its first lease ends.
    'leaseShard = if_not_exists(leaseShard, :shard)',
    'leaseDue = if_not_exists(leaseDue, :due)',
  ];
  const conditions = [
    '(attribute_not_exists(queries) OR queries < :dailyLimit)',
    '(attribute_not_exists(tokens) OR tokens <= :headroom)',
    '(attribute_not_exists(#minute) OR #minute < :perMinute)',
  ];
  if (key) {
    names['#idem'] = idempotencyAttr(key);
    set[':promptId'] = { S: input.id };
    sets.push('#idem = :promptId');
    if (claim) {
      check[':claim'] = { S: claim };
      conditions.push('#idem = :claim');
    } else {
      conditions.push('attribute_not_exists(#idem)');
    }
  }
  let add = '';
  if (leases.kind === 'add') {
    set[':lease'] = { SS: [input.lease] };
    check[':inFlight'] = { N: input.limits.promptsInFlight };
    add = ' ADD leases :lease';
    conditions.push('(attribute_not_exists(leases) OR size(leases) < :inFlight)');
  } else {
    // Expired leases stay until the reconciler settles them (a prompt admitted and never settled
    // has no log record yet); they no longer count against the in-flight limit.
    set[':leases'] = { SS: [...leases.all, input.lease] };
    sets.push('leases = :leases');
    if (leases.all.length === 0) {
      conditions.push('attribute_not_exists(leases)');
    } else {
      check[':leaseCount'] = { N: leases.all.length };
      const held = leases.all.map((lease, i) => {
        check[`:held${i}`] = { S: lease };
        return `contains(leases, :held${i})`;
      });
      conditions.push(`(size(leases) = :leaseCount AND ${held.join(' AND ')})`);
    }
  }
  const update: DynamoDBExpression = { expression: 'SET ' + sets.join(', ') + add, expressionNames: names, expressionValues: set };
  // A prompt whose reservation alone exceeds the budget can never be admitted.
  const never = input.limits.dailyTokenLimit - input.reserve < 0;
  return {
    operation: 'UpdateItem',
    key: usageKey(input),
    update,
    condition: never
      ? { expression: 'attribute_not_exists(userId) AND attribute_exists(userId)' }
      : { expression: conditions.join(' AND '), expressionNames: names, expressionValues: check },
  };
}

/**
 * Raises the refusal for the first limit the usage item shows reached, with one event line for
 * the metrics; returns when none is (the prompt may be admitted once expired leases are cleared).
 */
export function refuseIfOverLimit(input: PromptInput, item: UsageItem, liveLeases: number): void {
  const used = item.queries ?? 0;
  const tokens = item.tokens ?? 0;
  const minute = (item[input.clock.minuteAttr] as number | undefined) ?? 0;
  const limits = input.limits;
  const clock = input.clock;
  if (used >= limits.dailyPromptLimit) {
    recordEvent('QuotaExceeded', { kind: 'requests' });
    util.error(`You have used all ${limits.dailyPromptLimit} prompts for today. The quota resets at ${clock.resetsAt}.`, ErrorType.QuotaExceeded, null, {
      kind: 'requests',
      limit: limits.dailyPromptLimit,
      used,
      resetsAt: clock.resetsAt,
    });
  }
  if (tokens + input.reserve > limits.dailyTokenLimit) {
    recordEvent('QuotaExceeded', { kind: 'tokens' });
    util.error(
      `This prompt needs up to ${input.reserve} tokens and ${Math.max(0, limits.dailyTokenLimit - tokens)} of today's ${limits.dailyTokenLimit} are left. The budget resets at ${clock.resetsAt}.`,
      ErrorType.QuotaExceeded,
      null,
      { kind: 'tokens', limit: limits.dailyTokenLimit, used: tokens, resetsAt: clock.resetsAt },
    );
  }
  if (minute >= limits.promptsPerMinute) {
    recordEvent('RateLimited', { window: 'minute' });
    util.error(`Too many prompts: at most ${limits.promptsPerMinute} a minute. Try again in ${clock.secondsLeftInMinute} s.`, ErrorType.RateLimited, null, {
      retryAfterSeconds: clock.secondsLeftInMinute,
    });
  }
  if (liveLeases >= limits.promptsInFlight) {
    recordEvent('RateLimited', { window: 'inFlight' });
    util.error(`You already have ${liveLeases} prompts with the model; at most ${limits.promptsInFlight} at a time. Try again when one has answered.`, ErrorType.RateLimited, null, {
      retryAfterSeconds: 1,
    });
  }
}

/** The leases of a usage item split by whether they still run at `nowMs`. */
export function leasesAt(item: UsageItem, nowMs: number): { all: string[]; live: string[] } {
  const all = item.leases ?? [];
  return { all, live: all.filter((lease) => leaseUntil(lease) > nowMs) };
}
