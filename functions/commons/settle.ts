// Settling a prompt from a Lambda (the model function, the reconciler): the two writes of
// resolvers/lib/settlement.ts through the AWS SDK, whose standard retry mode retries throttling,
// 5xx and network failures (DynamoDB client: 4 attempts, full-jitter backoff; TransactionCanceled
// and TransactionConflict are never retried, which is one reason settling uses no transaction).
// Each step is idempotent, so this can run again after a crash, a timeout or a duplicate event.
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { changeFrom, logWrite, recordOf, usageWrite, type PendingPrompt, type SettleResult, type Typed, type UsageChange } from '../../resolvers/lib/settlement.ts';
import type { ModelSettled } from './contracts.ts';
import { describeError, log } from './log.ts';

let client: DynamoDBClient | undefined;
const dynamodb = (): DynamoDBClient => (client ??= new DynamoDBClient({}));

/** AppSync's typed JSON (numbers as numbers) → the DynamoDB wire form. */
export function toAttribute(value: Typed): AttributeValue {
  if ('N' in value) return { N: String(value.N) };
  if ('S' in value) return { S: value.S };
  if ('SS' in value) return { SS: value.SS };
  if ('BOOL' in value) return { BOOL: value.BOOL };
  if ('M' in value) return { M: toAttributes(value.M) };
  return { NULL: true };
}

export function toAttributes(map: Record<string, Typed>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, toAttribute(v)]));
}

export interface SettleTables {
  prompts: string;
  usage: string;
}

export interface StoredRecord {
  status: string;
  settlement: UsageChange | null;
  [attribute: string]: unknown;
}

const signalFor = (deadlineMs: number | undefined) => (deadlineMs === undefined ? undefined : AbortSignal.timeout(Math.max(1, deadlineMs - Date.now())));

/** The prompt's log record, read consistently, or null. */
export async function readRecord(tables: SettleTables, userId: string, id: string, deadlineMs?: number): Promise<StoredRecord | null> {
  const out = await dynamodb().send(
    new GetItemCommand({ TableName: tables.prompts, Key: { userId: { S: userId }, id: { S: id } }, ConsistentRead: true }),
    { abortSignal: signalFor(deadlineMs) },
  );
  if (!out.Item) return null;
  const item = unmarshall(out.Item);
  return { ...item, status: String(item.status), settlement: changeFrom(item.settlement) };
}

/**
 * Write 2: a record's usage change. 'applied' now, 'already' (no lease: someone applied it), or
 * throws after the SDK's retries.
 */
export async function applyChange(tables: SettleTables, userId: string, change: UsageChange, deadlineMs?: number): Promise<'applied' | 'already'> {
  const w = usageWrite(userId, change);
  try {
    await dynamodb().send(
      new UpdateItemCommand({
        TableName: tables.usage,
        Key: toAttributes(w.key),
        UpdateExpression: w.expression,
        ConditionExpression: w.condition.expression,
        ExpressionAttributeNames: w.expressionNames,
        ExpressionAttributeValues: toAttributes({ ...w.expressionValues, ...w.condition.expressionValues }),
      }),
      { abortSignal: signalFor(deadlineMs) },
    );
    return 'applied';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return 'already';
    throw error;
  }
}

/**
 * Settles a prompt: its record (or the one already there), then that record's usage change.
 * Never throws: returns how far it got, for the caller to leave the rest to the next in line
 * (the pipeline's own steps, then the reconciler).
 */
export async function settlePrompt(tables: SettleTables, pending: PendingPrompt, result: SettleResult, deadlineMs?: number): Promise<{ settled: ModelSettled; status: string | null }> {
  const mine = recordOf(pending, result);
  const write = logWrite(pending, mine.attributes);
  let change: UsageChange | null = mine.change;
  let settled: ModelSettled = 'logged';
  let status: string | null = mine.status;
  try {
    await dynamodb().send(
      new PutItemCommand({ TableName: tables.prompts, Item: toAttributes({ ...write.key, ...write.attributes }), ConditionExpression: write.condition }),
      { abortSignal: signalFor(deadlineMs) },
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException')) {
      log('warn', 'settle: log record not written', { promptId: pending.id, ...describeError(error) });
      return { settled: 'none', status: null };
    }
    // A record is there: this settle's own earlier attempt (an answer lost on the way back), or
    // someone else's. Its change is the one to apply.
    try {
      const existing = await readRecord(tables, pending.userId, pending.id, deadlineMs);
      change = existing?.settlement ?? null;
      status = existing?.status ?? null;
      settled = existing && existing.status === mine.status ? 'logged' : 'elsewhere';
    } catch (readError) {
      log('warn', 'settle: existing record not read', { promptId: pending.id, ...describeError(readError) });
      return { settled: 'elsewhere', status: null };
    }
  }
  if (!change) return { settled, status };
  try {
    await applyChange(tables, pending.userId, change, deadlineMs);
    return { settled: settled === 'elsewhere' ? 'elsewhere' : 'applied', status };
  } catch (error) {
    log('warn', 'settle: usage not updated', { promptId: pending.id, ...describeError(error) });
    return { settled, status };
  }
}
