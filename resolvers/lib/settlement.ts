// How an admitted prompt is settled, in one place for the three that settle: the sendPrompt
// pipeline (AppSync, which does not retry), the model function and the reconciler (Lambda, with
// the SDK's retries). Settling is two single-item writes in this order, each safe to repeat:
//   1. the prompt's log record, PutItem only if absent (attribute_not_exists(id)); the record
//      carries the usage change it implies (`settlement`);
//   2. that change on the day's usage item, UpdateItem only while the prompt's lease is still
//      there (contains(leases, :lease)), removing the lease in the same write.
// No transaction: one user's concurrent prompts all settle on the same usage item, where a
// TransactWriteItems can be cancelled by another (TransactionConflict) and the AWS SDK does not
// retry that. A repeated step 1 finds the record (a different one: someone else settled first, so
// step 2 uses theirs); a repeated step 2 finds no lease and changes nothing. A crash between the
// two leaves a record and a lease, which the reconciler joins up from the record alone.
// Pure and APPSYNC_JS-safe: values are AppSync's typed JSON ({ N: number }); Lambdas convert them.
import type { ModelAnswer, ModelFailureInfo } from '../../functions/commons/contracts.ts';
import { settleAnswer, settleFailure } from './budget.ts';

export type Typed = { S: string } | { N: number } | { SS: string[] } | { BOOL: boolean } | { M: Record<string, Typed> } | { NULL: null };

/** Everything settling needs about an admitted prompt; the model event carries it too. */
export interface PendingPrompt {
  userId: string;
  id: string;
  /** The usage item's sort key (UTC day of admission) and the minute window it was counted in. */
  day: string;
  minuteAttr: string;
  /** This prompt's element of the usage item's `leases` set (lib/prompt.ts leaseOf). */
  lease: string;
  reserve: number;
  maxTokens: number;
  prompt: string;
  model: string;
  createdAt: string;
  expiresAt: number;
  idempotencyKey: string | null;
  /** Prompts used today once this one was admitted, and the day's limit: the answer's queries/balance. */
  queries: number;
  dailyPromptLimit: number;
  /** The conversation turn this prompt is (lib/conversation.ts); null or absent for none. */
  conversation?: { id: string; seq: number; contextTurns: number } | null;
}

/**
 * How long a streamed prompt holds its slot: Lambda may keep its asynchronous event queued up to
 * the stream function's maximum event age (60 s, infra/stack.ts) before it runs, and the function
 * then runs up to its timeout; a few seconds more for settling. The reconciler leaves the lease
 * alone until then, so it never settles a stream that is still being written.
 */
export const STREAM_EVENT_AGE_MS = 60000;
export function streamLeaseMs(timeoutSeconds: number): number {
  return STREAM_EVENT_AGE_MS + timeoutSeconds * 1000 + 5000;
}

/**
 * By when a streamed prompt has its log record, counted from its admission: its lease, then the
 * reconciler's grace (30 s) and period (60 s), with a margin. Until then a claim without a record
 * is a prompt still being written (prompt(id) shows it STREAMING); after it, one whose record was
 * deleted. A deleted conversation is purged no earlier, so no streamed turn settles after it.
 */
export function streamSettledMs(timeoutSeconds: number): number {
  return streamLeaseMs(timeoutSeconds) + 120000;
}

/** One of the two: the model's answer, or how it failed. */
export interface SettleResult {
  answer?: ModelAnswer | null;
  failure?: ({ message: string } & ModelFailureInfo) | null;
}

/** Converse's stopReason when a guardrail intervened: the text is the guardrail's message. */
const GUARDRAIL_INTERVENED = 'guardrail_intervened';

export function answerStatus(answer: ModelAnswer): 'COMPLETED' | 'BLOCKED' {
  return answer.stopReason === GUARDRAIL_INTERVENED ? 'BLOCKED' : 'COMPLETED';
}

/** The usage change a record implies; stored in the record as `settlement`. */
export interface UsageChange {
  day: string;
  minuteAttr: string;
  lease: string;
  queriesDelta: number;
  tokensDelta: number;
  inputTokens: number;
  outputTokens: number;
  /** The idempotency key to free (a failed prompt lets a retry run again), or '' for none. */
  releaseKey: string;
}

/** The log record for a settled prompt, as AppSync's typed attribute values (key excluded). */
export function recordOf(p: PendingPrompt, result: SettleResult): { attributes: Record<string, Typed>; change: UsageChange; status: string; overrun: number } {
  const answer = result.answer ?? null;
  const failure = answer ? null : (result.failure ?? null);
  const outcome = answer ? settleAnswer(p.reserve, answer.inputTokens, answer.outputTokens) : settleFailure(p.reserve, p.maxTokens, failure ? failure.charged : true);
  const status = answer ? answerStatus(answer) : failure && failure.timedOut ? 'TIMED_OUT' : 'FAILED';
  const charged = answer !== null || (failure !== null && failure.charged);
  const change: UsageChange = {
    day: p.day,
    minuteAttr: p.minuteAttr,
    lease: p.lease,
    queriesDelta: outcome.queriesDelta,
    tokensDelta: outcome.tokensDelta,
    inputTokens: outcome.inputTokens,
    outputTokens: outcome.outputTokens,
    // A failed prompt frees its key so a retry runs again, except a streamed prompt's chosen id
    // (its key is the id itself): that id names one generation, and a retry needs a new one.
    releaseKey: !answer && p.idempotencyKey && p.idempotencyKey !== p.id ? p.idempotencyKey : '',
  };
  const attributes: Record<string, Typed> = {
    prompt: { S: p.prompt },
    model: { S: p.model },
    createdAt: { S: p.createdAt },
    expiresAt: { N: p.expiresAt },
    status: { S: status },
    settlement: { M: changeAttributes(change) },
  };
  if (charged) {
    attributes.inputTokens = { N: outcome.inputTokens };
    attributes.outputTokens = { N: outcome.outputTokens };
  }
  if (answer) {
    attributes.response = { S: answer.text };
    attributes.queries = { N: p.queries };
    attributes.balance = { N: Math.max(0, p.dailyPromptLimit - p.queries) };
  } else {
    attributes.error = { S: failure ? failure.message : 'The model failed.' };
  }
  if (p.idempotencyKey) attributes.idempotencyKey = { S: p.idempotencyKey };
  if (p.conversation) {
    // The turn's place in its conversation: the Prompts table's ByConversation index (owner first in its key).
    attributes.conversationId = { S: p.conversation.id };
    attributes.conversationKey = { S: p.userId + '#' + p.conversation.id };
    attributes.seq = { N: p.conversation.seq };
    attributes.contextTurns = { N: p.conversation.contextTurns };
  }
  return { attributes, change, status, overrun: outcome.overrun };
}

function changeAttributes(c: UsageChange): Record<string, Typed> {
  return {
    day: { S: c.day },
    minuteAttr: { S: c.minuteAttr },
    lease: { S: c.lease },
    queriesDelta: { N: c.queriesDelta },
    tokensDelta: { N: c.tokensDelta },
    inputTokens: { N: c.inputTokens },
    outputTokens: { N: c.outputTokens },
    releaseKey: { S: c.releaseKey },
  };
}

/** A stored record's `settlement`, read back as plain JSON (AppSync and the SDK both unmarshall to this). */
export function changeFrom(stored: unknown): UsageChange | null {
  const s = stored as Partial<UsageChange> | null | undefined;
  if (!s || typeof s.lease !== 'string' || typeof s.day !== 'string' || typeof s.minuteAttr !== 'string') return null;
  return {
    day: s.day,
    minuteAttr: s.minuteAttr,
    lease: s.lease,
    queriesDelta: Number(s.queriesDelta ?? 0),
    tokensDelta: Number(s.tokensDelta ?? 0),
    inputTokens: Number(s.inputTokens ?? 0),
    outputTokens: Number(s.outputTokens ?? 0),
    releaseKey: s.releaseKey ?? '',
  };
}

export interface TypedWrite {
  key: Record<string, Typed>;
  expression: string;
  expressionNames: Record<string, string>;
  expressionValues: Record<string, Typed>;
  condition: { expression: string; expressionNames?: Record<string, string>; expressionValues: Record<string, Typed> };
}

/** Write 1: the log record, only if there is none. */
export function logWrite(p: PendingPrompt, attributes: Record<string, Typed>): { key: Record<string, Typed>; attributes: Record<string, Typed>; condition: string } {
  return { key: { userId: { S: p.userId }, id: { S: p.id } }, attributes, condition: 'attribute_not_exists(id)' };
}

/** Write 2: the record's usage change, only while its lease is there, removing the lease. */
export function usageWrite(userId: string, c: UsageChange): TypedWrite {
  const names: Record<string, string> = { '#minute': c.minuteAttr };
  let remove = '';
  if (c.releaseKey !== '') {
    names['#idem'] = 'idem:' + c.releaseKey;
    remove = ' REMOVE #idem';
  }
  return {
    key: { userId: { S: userId }, day: { S: c.day } },
    // if_not_exists: admission created every counter, but a write that cannot fail on a missing
    // attribute is one the reconciler can always finish.
    expression:
      'SET queries = if_not_exists(queries, :zero) + :queriesDelta, #minute = if_not_exists(#minute, :zero) + :queriesDelta, ' +
      'tokens = if_not_exists(tokens, :zero) + :tokensDelta, inputTokens = if_not_exists(inputTokens, :zero) + :in, outputTokens = if_not_exists(outputTokens, :zero) + :out' +
      remove +
      ' DELETE leases :leases',
    expressionNames: names,
    expressionValues: {
      ':zero': { N: 0 },
      ':queriesDelta': { N: c.queriesDelta },
      ':tokensDelta': { N: c.tokensDelta },
      ':in': { N: c.inputTokens },
      ':out': { N: c.outputTokens },
      ':leases': { SS: [c.lease] },
    },
    condition: { expression: 'contains(leases, :lease)', expressionValues: { ':lease': { S: c.lease } } },
  };
}

/**
 * A lease: `<deadline ms>:<prompt id>:<reserved tokens>:<maxTokens>:c=<conversation id>/<turns>:<model id>`
 * (the model id last, as it may hold colons). Enough for the reconciler to settle a prompt whose
 * request died before it wrote anything. The conversation and the earlier turns the prompt was
 * sent with are there so that a streamed restart (startPrompt by the same promptId or
 * idempotencyKey) that comes while the first attempt, streamed or blocking, is still running
 * answers with the first admission's: the usage item is the one thing such a restart reads
 * (resolvers/Mutation.startPrompt/index.ts). About 31 bytes more per lease in flight on the usage
 * item. Leases of older formats still parse: `<deadline>:<id>` (no facts) and
 * `…:<maxTokens>:<model id>` (no conversation). A model id never starts with `c=` (Bedrock's ids
 * and ARNs start with a letter and hold no `=`).
 */
export function leaseOf(deadlineMs: number, id: string, reserve: number, maxTokens: number, model: string, conversation?: LeaseConversation | null): string {
  const about = conversation ? `${CONVERSATION_MARK}${conversation.id}/${conversation.contextTurns}:` : '';
  return `${deadlineMs}:${id}:${reserve}:${maxTokens}:${about}${model}`;
}

const CONVERSATION_MARK = 'c=';

/** What a lease says about its prompt's conversation. */
export interface LeaseConversation {
  id: string;
  contextTurns: number;
}

export interface LeaseFacts {
  deadlineMs: number;
  id: string;
  /** Absent in leases written before this format (`<deadline>:<id>`). */
  reserve: number | null;
  maxTokens: number | null;
  model: string | null;
  /** The prompt's conversation; null in a lease written before leases named it. */
  conversation: LeaseConversation | null;
}

export function leaseFacts(lease: string): LeaseFacts {
  const parts = lease.split(':');
  const deadlineMs = Number(parts[0]);
  if (parts.length < 5) return { deadlineMs, id: parts[1] ?? '', reserve: null, maxTokens: null, model: null, conversation: null };
  let conversation: LeaseConversation | null = null;
  let modelAt = 4;
  if (parts.length > 5 && parts[4].indexOf(CONVERSATION_MARK) === 0) {
    const about = parts[4].slice(CONVERSATION_MARK.length).split('/');
    conversation = { id: about[0], contextTurns: Number(about[1] ?? '0') };
    modelAt = 5;
  }
  return { deadlineMs, id: parts[1], reserve: Number(parts[2]), maxTokens: Number(parts[3]), model: parts.slice(modelAt).join(':'), conversation };
}

/**
 * The reconciler's index (UsageTable's ByLeaseDue): an item with leases is in it under a shard of
 * its user and a due time no later than its earliest lease's deadline. Admission sets both when
 * absent; the reconciler tightens or removes them, so the index holds only items worth a look.
 */
export const LEASE_SHARDS = '0123456789abcdef';

export function leaseShardOf(userId: string): string {
  const last = userId.slice(-1).toLowerCase();
  return LEASE_SHARDS.indexOf(last) >= 0 && last !== '' ? last : '0';
}

/** The minute window attribute (m0000…m1439) of an instant, as lib/time.ts names it. */
export function minuteAttrAt(epochMs: number): string {
  const minuteOfDay = Math.floor((epochMs % 86400000) / 60000);
  const hh = Math.floor(minuteOfDay / 60);
  const mm = minuteOfDay % 60;
  return 'm' + (hh < 10 ? '0' : '') + hh + (mm < 10 ? '0' : '') + mm;
}
