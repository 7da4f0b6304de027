// The promise of issue 14, checked per user against the tables once the system is quiet:
// every charged prompt has its log record, nothing is charged twice, nothing stays pending.
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Emulator } from '../../emulator/start.ts';

export interface Books {
  /** Prompts the usage item counts as charged today. */
  charged: number;
  /** Log records by status, and those that carry usage (charged). */
  records: Record<string, number>;
  chargedRecords: number;
  tokens: number;
  violations: string[];
}

export async function checkBooks(db: DynamoDBDocumentClient, api: Emulator, userId: string, day: string, tokenLimit: number): Promise<Books> {
  const usage = ((await db.send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day }, ConsistentRead: true }))).Item ?? {}) as Record<string, unknown>;
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ TableName: api.tableName('PromptsTable'), KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': userId }, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  const today = items.filter((r) => String(r.createdAt).slice(0, 10) === day);
  const records: Record<string, number> = {};
  for (const r of today) records[String(r.status)] = (records[String(r.status)] ?? 0) + 1;
  const charged = today.filter((r) => r.inputTokens !== undefined);
  const sum = (key: string) => charged.reduce((n, r) => n + Number(r[key] ?? 0), 0);
  const n = (key: string) => Number(usage[key] ?? 0);
  const violations: string[] = [];
  const expect = (ok: boolean, what: string) => {
    if (!ok) violations.push(`${userId}: ${what}`);
  };
  expect(n('queries') === charged.length, `prompts charged ${n('queries')} != charged log records ${charged.length} (${JSON.stringify(records)})`);
  expect(
    charged.every((r) => ['COMPLETED', 'BLOCKED', 'TIMED_OUT', 'FAILED'].includes(String(r.status))),
    'a charged record without a status that says what happened',
  );
  expect(n('inputTokens') === sum('inputTokens') && n('outputTokens') === sum('outputTokens'), `tokens charged ${n('inputTokens')}/${n('outputTokens')} != tokens in the log ${sum('inputTokens')}/${sum('outputTokens')}`);
  expect(n('tokens') === n('inputTokens') + n('outputTokens'), `token counter ${n('tokens')} != reported ${n('inputTokens') + n('outputTokens')}: a reservation was left charged`);
  expect(n('tokens') <= tokenLimit, `token budget exceeded: ${n('tokens')} > ${tokenLimit}`);
  const leases = usage.leases as Set<string> | undefined;
  expect(!leases || leases.size === 0, `reservations left pending: ${[...(leases ?? [])].join(', ')}`);
  expect(usage.leaseDue === undefined, 'the reconciler index still names the item');
  for (const [name, value] of Object.entries(usage)) {
    if (!name.startsWith('idem:')) continue;
    // A streamed prompt's chosen id is its own key and stays claimed whatever the outcome.
    if (name === `idem:${String(value)}` && today.some((r) => r.id === value)) continue;
    const first = today.find((r) => r.id === value);
    expect(first !== undefined && (first.status === 'COMPLETED' || first.status === 'BLOCKED'), `idempotency key ${name} stuck on ${String(value)} (${first ? String(first.status) : 'no record'})`);
  }
  // A minute counter never goes below zero (a refund applied twice would).
  for (const [name, value] of Object.entries(usage)) {
    if (/^m\d{4}$/.test(name)) expect(Number(value) >= 0, `minute counter ${name} is ${String(value)}`);
  }
  return { charged: n('queries'), records, chargedRecords: charged.length, tokens: n('tokens'), violations };
}

/** Moves the clock past every lease and its grace, and runs the reconciler until nothing is left. */
export async function quiesce(api: Emulator): Promise<{ applied: number; timedOut: number; refunded: number; dropped: number }> {
  const total = { applied: 0, timedOut: 0, refunded: 0, dropped: 0 };
  await api.lambdaAsync.idle();
  api.clock.set(api.clock.now() + 61_000);
  await api.lambdaAsync.idle();
  for (let round = 0; round < 3; round++) {
    const reports = (await api.schedules.run('ReconcileSchedule')) as { applied: number; timedOut: number; refunded: number; dropped: number; failed: number }[];
    for (const r of reports) for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += r[k];
    if (reports.every((r) => r.failed === 0)) break;
  }
  return total;
}
