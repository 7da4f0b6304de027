// The reconciler: settles what a sendPrompt pipeline left half-done. An admitted prompt holds a
// lease in its usage item until settled; a pipeline cut by AppSync's 30 s limit, a crashed or
// timed-out model function, or a write that failed past every retry leaves the lease behind.
// Every minute (an EventBridge rule) it queries the usage table's sparse index ByLeaseDue for
// items whose earliest lease ended more than GRACE_MS ago — never a scan — and for each such
// lease: the log record exists → apply that record's usage change (the pipeline died between its
// two writes); no record → write one that says what happened, TIMED_OUT, charged by the timeout
// rule (the model may have run it), and apply it. Then it tightens the item's index entry or
// removes it. It is also the model function's on-failure destination for asynchronous
// invocations: a failed event is settled at once, and refunded when Lambda never ran it.
// On the same schedule it purges deleted conversations (purge.ts).
// Every step is one of settle's idempotent writes, so two runs at once, or a run racing a late
// pipeline, change nothing twice.
import { DynamoDBClient, QueryCommand, GetItemCommand, UpdateItemCommand, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ModelEvent } from '../commons/contracts.ts';
import { intEnv, requireEnv } from '../commons/env.ts';
import { describeError, log } from '../commons/log.ts';
import { applyChange, readRecord, settlePrompt } from '../commons/settle.ts';
import { purgeDeleted } from './purge.ts';
import { LEASE_SHARDS, leaseFacts, minuteAttrAt, type PendingPrompt, type SettleResult } from '../../resolvers/lib/settlement.ts';

const TABLES = { prompts: requireEnv('PROMPTS_TABLE'), usage: requireEnv('USAGE_TABLE'), conversations: requireEnv('CONVERSATIONS_TABLE') };
const INDEX = 'ByLeaseDue';
/** How long after a lease ends its prompt is left alone: a model function may still be settling it. */
const GRACE_MS = intEnv('RECONCILE_GRACE_SECONDS', 30) * 1000;
const RETENTION_DAYS = intEnv('PROMPT_RETENTION_DAYS', 30);
/** lib/prompt.ts LEASE_MS: a lease ends this long after its prompt was admitted. */
const LEASE_MS = 30_000;
/** Items looked at per run at most; the rest wait for the next minute. */
const MAX_ITEMS = intEnv('RECONCILE_MAX_ITEMS', 500);
const client = new DynamoDBClient({});

export interface ReconcileReport {
  /** Usage items the index named. */
  items: number;
  /** Leases whose record existed: its usage change applied. */
  applied: number;
  /** Leases without a record: settled TIMED_OUT, charged. */
  timedOut: number;
  /** Leases without a record whose model function provably never ran: refunded. */
  refunded: number;
  /** Leases in the old `<deadline>:<id>` form without a record: dropped (nothing to settle from). */
  dropped: number;
  /** Index entries tightened or removed. */
  tidied: number;
  /** Leases or items that failed this time (retried on the next run). */
  failed: number;
  /** Deleted conversations purged (their turns' records, then the header), and the records. */
  purgedConversations: number;
  purgedTurns: number;
}

/** What Lambda sends an on-failure destination (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). */
interface InvocationRecord {
  requestContext: { condition: string; approximateInvokeCount: number; functionArn?: string };
  requestPayload: ModelEvent;
}

const emptyReport = (): ReconcileReport => ({ items: 0, applied: 0, timedOut: 0, refunded: 0, dropped: 0, tidied: 0, failed: 0, purgedConversations: 0, purgedTurns: 0 });

export async function handler(event: unknown): Promise<ReconcileReport> {
  const report = emptyReport();
  const record = event as Partial<InvocationRecord> | null;
  if (record?.requestContext?.condition && record.requestPayload?.pending) {
    await settleFailedEvent(record as InvocationRecord, report);
  } else {
    // A scheduled event's time is when the schedule fired: the reconciler's now (and the
    // emulator's clock offline, where tests move it).
    const time = (event as { time?: unknown } | null)?.time;
    const nowMs = typeof time === 'string' && !Number.isNaN(Date.parse(time)) ? Date.parse(time) : Date.now();
    await reconcile(nowMs, report);
    try {
      const purged = await purgeDeleted(client, TABLES, nowMs);
      report.purgedConversations = purged.conversations;
      report.purgedTurns = purged.turns;
    } catch (error) {
      report.failed += 1;
      log('error', 'deleted conversations not purged', describeError(error));
    }
  }
  const repaired = report.applied + report.timedOut + report.refunded + report.dropped;
  // One line per run that repaired anything: the Reconciled metric and its alarm (infra/stack.ts).
  if (repaired > 0 || report.failed > 0) console.log(JSON.stringify({ tollgateEvent: 'Reconciled', repaired, ...report }));
  return report;
}

/** An asynchronous model invocation that Lambda gave up on: settle its prompt now. */
async function settleFailedEvent(record: InvocationRecord, report: ReconcileReport): Promise<void> {
  const pending = record.requestPayload.pending!;
  const neverRan = record.requestContext.condition === 'EventAgeExceeded' && record.requestContext.approximateInvokeCount === 0;
  log('warn', 'asynchronous model invocation failed', { promptId: pending.id, condition: record.requestContext.condition, invocations: record.requestContext.approximateInvokeCount });
  try {
    await repairLease(pending.userId, pending.day, pending.lease, {}, report, pending, neverRan);
  } catch (error) {
    report.failed += 1;
    log('error', 'failed event not settled', { promptId: pending.id, ...describeError(error) });
  }
}

async function reconcile(nowMs: number, report: ReconcileReport): Promise<void> {
  const cutoff = nowMs - GRACE_MS;
  for (const shard of LEASE_SHARDS) {
    let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: TABLES.usage,
          IndexName: INDEX,
          KeyConditionExpression: 'leaseShard = :shard AND leaseDue <= :cutoff',
          ExpressionAttributeValues: { ':shard': { S: shard }, ':cutoff': { N: String(cutoff) } },
          ExclusiveStartKey: start,
          Limit: 100,
        }),
      );
      for (const key of page.Items ?? []) {
        if (report.items >= MAX_ITEMS) return;
        report.items += 1;
        const { userId, day } = unmarshall(key) as { userId: string; day: string };
        try {
          await reconcileItem(userId, day, cutoff, report);
        } catch (error) {
          report.failed += 1;
          log('error', 'usage item not reconciled', { userId, day, ...describeError(error) });
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
}

async function reconcileItem(userId: string, day: string, cutoff: number, report: ReconcileReport): Promise<void> {
  const out = await client.send(new GetItemCommand({ TableName: TABLES.usage, Key: { userId: { S: userId }, day: { S: day } }, ConsistentRead: true }));
  if (!out.Item) return;
  const item = unmarshall(out.Item);
  const leases = [...((item.leases as Set<string> | undefined) ?? [])];
  const remaining: number[] = [];
  for (const lease of leases) {
    const facts = leaseFacts(lease);
    if (facts.deadlineMs > cutoff) {
      remaining.push(facts.deadlineMs);
      continue;
    }
    try {
      await repairLease(userId, day, lease, item, report, null, false);
    } catch (error) {
      report.failed += 1;
      remaining.push(facts.deadlineMs);
      log('error', 'lease not settled', { userId, day, promptId: facts.id, ...describeError(error) });
    }
  }
  await tidyIndex(userId, day, item.leaseDue as number | undefined, remaining, report);
}

/**
 * Settles one lease. A missing record is written as TIMED_OUT, charged, or with `refund` (a
 * prompt the model function provably never ran) as a refunded failure. `known` is the prompt as
 * a failed event carried it (its text included); otherwise it is rebuilt from the lease.
 */
async function repairLease(
  userId: string,
  day: string,
  lease: string,
  item: Record<string, unknown>,
  report: ReconcileReport,
  known: PendingPrompt | null,
  refund: boolean,
): Promise<void> {
  const facts = leaseFacts(lease);
  const existing = await readRecord(TABLES, userId, facts.id);
  if (existing) {
    if (existing.settlement) {
      if ((await applyChange(TABLES, userId, existing.settlement)) === 'applied') report.applied += 1;
    } else {
      // A record written before records carried their usage change: its usage was settled with it.
      if (await dropLease(userId, day, lease)) report.dropped += 1;
    }
    return;
  }
  if (facts.reserve === null || facts.maxTokens === null || facts.model === null) {
    if (await dropLease(userId, day, lease)) report.dropped += 1;
    return;
  }
  const admittedAt = facts.deadlineMs - LEASE_MS;
  const claim = Object.entries(item).find(([name, value]) => name.startsWith('idem:') && value === facts.id);
  const pending: PendingPrompt = known ?? {
    userId,
    id: facts.id,
    day,
    minuteAttr: minuteAttrAt(admittedAt),
    lease,
    reserve: facts.reserve,
    maxTokens: facts.maxTokens,
    // The prompt's text was only in the request that died.
    prompt: '',
    model: facts.model,
    createdAt: new Date(admittedAt).toISOString(),
    expiresAt: Math.floor(admittedAt / 1000) + RETENTION_DAYS * 86400,
    idempotencyKey: claim ? claim[0].slice('idem:'.length) : null,
    queries: 0,
    dailyPromptLimit: 0,
    // No conversation: the lease names it, but not the turn's seq (handed out after the lease
    // was written), and no read proves it (README, "A turn settled from its lease alone").
  };
  const result: SettleResult = refund
    ? { failure: { message: 'The model was never called for this prompt (its request expired before it ran). Your quota was not charged.', retryable: true, charged: false, timedOut: false } }
    : {
        failure: {
          message: 'The request for this prompt ended before it was settled (cut off or crashed). It was charged by the timeout rule, as the model may have run it.',
          retryable: true,
          charged: true,
          timedOut: true,
        },
      };
  const { settled } = await settlePrompt(TABLES, pending, result);
  if (settled === 'applied') report[refund ? 'refunded' : 'timedOut'] += 1;
  else if (settled === 'elsewhere') report.applied += 1;
  else throw new Error(`settle stopped at ${settled}`);
}

async function dropLease(userId: string, day: string, lease: string): Promise<boolean> {
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: TABLES.usage,
        Key: { userId: { S: userId }, day: { S: day } },
        UpdateExpression: 'DELETE leases :leases',
        ConditionExpression: 'contains(leases, :lease)',
        ExpressionAttributeValues: { ':leases': { SS: [lease] }, ':lease': { S: lease } },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Keeps the index entry true and small: removed once the item has no leases, otherwise moved to
 * the earliest lease still there. Conditional, so a lease admitted meanwhile is never unindexed.
 */
async function tidyIndex(userId: string, day: string, due: number | undefined, remaining: number[], report: ReconcileReport): Promise<void> {
  const key = { userId: { S: userId }, day: { S: day } };
  try {
    if (remaining.length === 0) {
      await client.send(
        new UpdateItemCommand({ TableName: TABLES.usage, Key: key, UpdateExpression: 'REMOVE leaseDue, leaseShard', ConditionExpression: 'attribute_not_exists(leases)' }),
      );
    } else {
      const earliest = Math.min(...remaining);
      if (due === earliest) return;
      await client.send(
        new UpdateItemCommand({
          TableName: TABLES.usage,
          Key: key,
          UpdateExpression: 'SET leaseDue = :earliest',
          ConditionExpression: due === undefined ? 'attribute_not_exists(leaseDue)' : 'leaseDue = :due',
          ExpressionAttributeValues: { ':earliest': { N: String(earliest) }, ...(due === undefined ? {} : { ':due': { N: String(due) } }) },
        }),
      );
    }
    report.tidied += 1;
  } catch (error) {
    // Something changed the item since it was read: the next run looks again.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
