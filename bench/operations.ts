// AWS operations per request, counted from the real pipeline: an emulator whose local DynamoDB and
// Secrets Manager sit behind the counting tap (bench/tap.ts) runs logins, authorized requests and
// a day of prompts one at a time, and every call each request causes is attributed to it.
// Lambda invocations and durations come from the per-step timings; capacity units from dynalite
// (DynamoDB's sizing rules; the local transaction proxy reports transactions at 2 units per KB, as
// DynamoDB bills them); failed conditional writes, for which DynamoDB reports no units, are billed
// by the size of the item they did not change.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, QueryCommand, type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LoginDocument, MyUsageDocument, RegisterDocument, SendPromptDocument } from '../client/index.ts';
import { startEmulator, type Emulator } from '../emulator/start.ts';
import { constructId } from '../emulator/template.ts';
import { graphql, loopback, PASSWORD, type Auth, type GraphQLReply } from './api.ts';
import type { Timings } from './load.ts';
import { round } from './stats.ts';
import { tap, type TapCall } from './tap.ts';

export type UnitBasis = 'measured' | 'measured (transaction, 2× per KB)' | 'derived (failed conditional write, item size)' | 'derived (no units reported)';

export interface DynamoCall {
  operation: string;
  tables: string[];
  ok: boolean;
  errorType: string | null;
  kind: 'read' | 'write';
  units: number;
  basis: UnitBasis;
}

export interface LambdaUse {
  invocations: number;
  ms: number;
}

export interface OperationProfile {
  label: string;
  ok: boolean;
  errorType: string | null;
  appsyncOperations: number;
  authorizer: { invoked: boolean; cached: boolean; ms: number };
  lambda: { authorizer: LambdaUse; model: LambdaUse; auth: LambdaUse };
  dynamodb: { calls: DynamoCall[]; reads: number; writes: number; rru: number; wru: number };
  secretsManagerCalls: number;
  /** Usage-table writes before the model was called (admission), for prompts; a conversation's header write (openTurn) is not one. */
  writesBeforeModel: number | null;
  serverMs: number;
}

export interface ItemSize {
  table: string;
  what: string;
  bytes: number;
  /** Units dynalite reports for a strongly consistent GetItem of it (4 KB rounding). */
  readUnits: number | null;
}

export interface OperationsReport {
  /** False when the tap could not be put in front of the local endpoints: then nothing here is measured. */
  tapped: boolean;
  register: OperationProfile;
  loginCold: OperationProfile;
  login: OperationProfile;
  authorizedColdAuthorizer: OperationProfile;
  authorizedMiss: OperationProfile;
  authorizedHit: OperationProfile;
  /** The k-th prompt of a user's day (k = 1…promptsPerDay), each a minute apart: authorizer cache missed. */
  promptsOfADay: OperationProfile[];
  promptCached: OperationProfile;
  rejected: OperationProfile;
  rejectedKind: string | null;
  itemSizes: ItemSize[];
  usageItemBytesAfter: Record<number, number>;
  promptLogItemBytes: { mean: number; max: number; n: number };
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** DynamoDB's item size: attribute names plus values (strings UTF-8, numbers ~1 byte per 2 digits + 1). */
export function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) {
    const digits = v.N.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.max(1, Math.ceil(digits.length / 2) + 1) + (v.N.startsWith('-') ? 1 : 0);
  }
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, x) => s + valueBytes({ N: x }), 0);
  if (v.L !== undefined) return 3 + v.L.reduce((s, x) => s + 1 + valueBytes(x), 0);
  if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + valueBytes(x), 0);
  return 0;
}

function logicalTable(api: Emulator, physical: string): string {
  for (const t of api.stack.tables.values()) if (t.physicalName === physical) return constructId(t.logicalId);
  return physical;
}

function lambdaUse(timings: Timings | null, dataSource: string): LambdaUse {
  const steps = (timings?.steps ?? []).filter((s) => s.step === dataSource || s.step.endsWith('.' + dataSource));
  return { invocations: steps.length, ms: round(steps.reduce((sum, s) => sum + s.ms, 0), 2) };
}

export async function measureOperations(cdkOut: string, log: (line: string) => void): Promise<OperationsReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-ops-'));
  tap.armed = true;
  let api: Emulator;
  try {
    api = await startEmulator({ cdkOut, dataDir, port: 0, log: () => undefined, waf: false }); // all from loopback: per-IP WAF rules would count the bench as one client
  } finally {
    tap.armed = false;
  }
  const tapped = tap.installed.dynamodb && tap.installed.secretsmanager;
  if (!tapped) log('  warning: the counting tap is not in place (emulator/start.ts imports changed?): operation counts are not measured');
  const raw = new DynamoDBClient({ region: 'us-east-1', endpoint: api.dynamodbUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const table = (id: string) => api.tableName(id);
  /** The bench's own reads, not counted. */
  const quietly = async <T>(fn: () => Promise<T>): Promise<T> => {
    tap.recording = false;
    try {
      return await fn();
    } finally {
      tap.recording = true;
    }
  };
  const itemAt = (t: string, key: Record<string, AttributeValue>) =>
    quietly(async () => {
      const out = await raw.send(new GetItemCommand({ TableName: table(t), Key: key, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
      return { item: out.Item, units: out.ConsumedCapacity?.CapacityUnits ?? null };
    });

  /** The usage item's size now, for the units of a failed conditional write on it. */
  let usageItemBytes = 0;
  const profile = async <T>(label: string, call: () => Promise<GraphQLReply<T>>): Promise<OperationProfile> => {
    const mark = tap.mark();
    const reply = await call();
    const calls = tap.since(mark);
    const t = reply.timings;
    const dynamo: DynamoCall[] = calls.filter((c) => c.service === 'dynamodb').map((c) => toDynamoCall(api, c, usageItemBytes));
    // Settling starts with the prompt's log record (PutItem), written after the model answered.
    const settleIndex = calls.findIndex((c) => c.operation === 'PutItem' || c.operation === 'TransactWriteItems');
    const modelUse = lambdaUse(t, 'ModelFunction');
    return {
      label,
      ok: reply.errorType === null,
      errorType: reply.errorType,
      appsyncOperations: 1,
      authorizer: { invoked: t?.authorizer.mode === 'AWS_LAMBDA' && !t.authorizer.cached, cached: t?.authorizer.cached ?? false, ms: round(t?.authorizer.ms ?? 0, 2) },
      lambda: {
        authorizer: { invocations: t?.authorizer.mode === 'AWS_LAMBDA' && !t.authorizer.cached ? 1 : 0, ms: round(t?.authorizer.cached ? 0 : (t?.authorizer.ms ?? 0), 2) },
        model: modelUse,
        auth: lambdaUse(t, 'AuthFunction'),
      },
      dynamodb: {
        calls: dynamo,
        reads: dynamo.filter((c) => c.kind === 'read').length,
        writes: dynamo.filter((c) => c.kind === 'write').length,
        rru: round(dynamo.filter((c) => c.kind === 'read').reduce((s, c) => s + c.units, 0), 2),
        wru: round(dynamo.filter((c) => c.kind === 'write').reduce((s, c) => s + c.units, 0), 2),
      },
      secretsManagerCalls: calls.filter((c) => c.service === 'secretsmanager').length,
      writesBeforeModel:
        modelUse.invocations > 0 || label.startsWith('sendPrompt')
          ? calls
              .slice(0, settleIndex === -1 ? calls.length : settleIndex)
              .filter((c) => c.service === 'dynamodb' && !READS.has(c.operation) && c.tables.some((t) => logicalTable(api, t) === 'UsageTable')).length
          : null,
      serverMs: round(t?.totalMs ?? 0, 2),
    };
  };

  try {
    const url = loopback(api.graphqlUrl);
    const key: Auth = { apiKey: api.apiKey };
    const run = `${process.pid}-${Date.now()}`;
    const [u1, u2, u3] = ['a', 'b', 'c'].map((s) => `ops-${run}-${s}@example.com`) as [string, string, string];
    log('  registering and logging in (the auth function cold, then warm)…');
    const register = await profile('register', () => graphql(url, key, RegisterDocument, { email: u1, password: PASSWORD }));
    for (const email of [u2, u3]) await graphql(url, key, RegisterDocument, { email, password: PASSWORD });
    const login = (email: string) => graphql<{ login: { token: string } }>(url, key, LoginDocument, { email, password: PASSWORD });
    let t1 = '';
    let t2 = '';
    let t3 = '';
    const loginCold = await profile('login (first in its container)', async () => {
      const r = await login(u1);
      t1 = r.data?.login.token ?? '';
      return r;
    });
    const loginWarm = await profile('login', async () => {
      const r = await login(u2);
      t2 = r.data?.login.token ?? '';
      return r;
    });
    t3 = (await login(u3)).data?.login.token ?? '';
    if (!t1 || !t2 || !t3) throw new Error('the operations phase could not log in');

    log('  authorized requests (authorizer cold, cache hit, warm miss)…');
    const usage = (token: string) => graphql(url, { token }, MyUsageDocument);
    const authorizedColdAuthorizer = await profile('myUsage (authorizer cold start)', () => usage(t1));
    const authorizedHit = await profile('myUsage (authorizer cache hit)', () => usage(t1));
    const authorizedMiss = await profile('myUsage (authorizer invoked, warm)', () => usage(t2));

    // A user's day, one prompt a minute on the emulator's clock: every prompt misses the
    // authorizer cache (60 s), as spread-out traffic does, and each minute gets its own counter.
    const promptsPerDay = 50;
    log(`  a day of ${promptsPerDay} prompts, one a minute (emulator clock), then one over the quota…`);
    const startOfDay = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    const user3 = (await itemAt('UsersTable', { email: { S: u3 } })).item;
    const userId3 = user3?.userId?.S ?? '';
    const today = new Date(startOfDay).toISOString().slice(0, 10);
    const send = (token: string, k: number) => graphql(url, { token }, SendPromptDocument, { prompt: `Prompt ${k} of the day: what does a quota protect against?` });
    // The model function's first container starts here, so the day's first prompt finds it warm.
    await graphql(url, { token: t2 }, SendPromptDocument, { prompt: 'warm-up' });
    const promptsOfADay: OperationProfile[] = [];
    const usageItemBytesAfter: Record<number, number> = {};
    for (let k = 1; k <= promptsPerDay; k++) {
      api.clock.set(startOfDay + 30_000 + (k - 1) * 61_000);
      const p = await profile(`sendPrompt #${k} of the day`, () => send(t3, k));
      if (!p.ok) throw new Error(`prompt ${k} failed: ${p.errorType}`);
      promptsOfADay.push(p);
      const u = await itemAt('UsageTable', { userId: { S: userId3 }, day: { S: today } });
      usageItemBytes = u.item ? itemBytes(u.item) : 0;
      usageItemBytesAfter[k] = usageItemBytes;
    }
    api.clock.set(startOfDay + 30_000 + promptsPerDay * 61_000);
    const rejected = await profile(`sendPrompt #${promptsPerDay + 1} (over the daily quota)`, () => send(t3, promptsPerDay + 1));

    // Back to real time: a burst from one user, the authorizer decision cached.
    api.clock.reset();
    await profile('sendPrompt (warm-up)', () => send(t1, 1));
    usageItemBytes = 0;
    const promptCached = await profile('sendPrompt (authorizer cache hit)', () => send(t1, 2));

    const logs = await quietly(() =>
      raw.send(new QueryCommand({ TableName: table('PromptsTable'), KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': { S: userId3 } } })),
    );
    const logSizes = (logs.Items ?? []).map(itemBytes);
    const userItem = await itemAt('UsersTable', { email: { S: u3 } });
    const usageItem = await itemAt('UsageTable', { userId: { S: userId3 }, day: { S: today } });
    const firstLog = logs.Items?.[0];
    const logItem = firstLog ? await itemAt('PromptsTable', { userId: firstLog.userId!, id: firstLog.id! }) : null;
    const itemSizes: ItemSize[] = [
      { table: 'UsersTable', what: 'a user (no per-user limits)', bytes: userItem.item ? itemBytes(userItem.item) : 0, readUnits: userItem.units },
      { table: 'UsageTable', what: `a usage day after ${promptsPerDay} prompts in ${promptsPerDay} minutes`, bytes: usageItem.item ? itemBytes(usageItem.item) : 0, readUnits: usageItem.units },
      { table: 'PromptsTable', what: 'a prompt log (dev-model answer)', bytes: logItem?.item ? itemBytes(logItem.item) : 0, readUnits: logItem?.units ?? null },
    ];
    return {
      tapped,
      register,
      loginCold,
      login: loginWarm,
      authorizedColdAuthorizer,
      authorizedMiss,
      authorizedHit,
      promptsOfADay,
      promptCached,
      rejected,
      rejectedKind: rejected.errorType,
      itemSizes,
      usageItemBytesAfter,
      promptLogItemBytes: {
        mean: round(logSizes.reduce((s, x) => s + x, 0) / (logSizes.length || 1), 1),
        max: Math.max(0, ...logSizes),
        n: logSizes.length,
      },
    };
  } finally {
    api.clock.reset();
    raw.destroy();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function toDynamoCall(api: Emulator, c: TapCall, usageItemBytes: number): DynamoCall {
  const kind = READS.has(c.operation) ? 'read' : 'write';
  const tables = c.tables.map((t) => logicalTable(api, t));
  const measured = c.consumed.reduce((s, x) => s + x.units, 0);
  if (c.ok && c.operation === 'TransactWriteItems') {
    // The local DynamoDB already reports transactional units at 2 per KB per item, as DynamoDB bills them.
    return { operation: c.operation, tables, ok: true, errorType: null, kind, units: measured, basis: 'measured (transaction, 2× per KB)' };
  }
  if (c.ok && c.consumed.length > 0) return { operation: c.operation, tables, ok: true, errorType: null, kind, units: measured, basis: 'measured' };
  if (!c.ok && c.errorType === 'ConditionalCheckFailedException') {
    // Billed like the write it was, by the size of the item it left as it was (at least 1 unit).
    const bytes = tables.includes('UsageTable') ? usageItemBytes : 0;
    return { operation: c.operation, tables, ok: false, errorType: c.errorType, kind, units: Math.max(1, Math.ceil(bytes / 1024)), basis: 'derived (failed conditional write, item size)' };
  }
  return { operation: c.operation, tables, ok: c.ok, errorType: c.errorType, kind, units: 1, basis: 'derived (no units reported)' };
}
