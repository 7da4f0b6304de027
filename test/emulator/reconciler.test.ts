// The reconciler against the local DynamoDB (dynalite, and DynamoDB Local in npm run
// test:dynamodb-local): it finds half-done prompts through the sparse ByLeaseDue index, settles
// each from its record or by the timeout rule, keeps the index to the items that need a look, and
// changes nothing the second time.
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { leaseOf } from '../../resolvers/lib/settlement.ts';
import { checkBooks } from '../helpers/books.ts';
import { documentClientOf, loggedIn, startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

let api: TestEmulator;
let db: DynamoDBDocumentClient;
const MODEL = 'us.amazon.nova-2-lite-v1:0';

beforeAll(async () => {
  api = await startTestEmulator({ schedules: false });
  db = documentClientOf(api);
});
afterEach(() => api.clock.reset());
afterAll(async () => {
  await api?.stop();
});

const day = () => new Date(api.clock.now()).toISOString().slice(0, 10);
const usage = async (userId: string) => (await db.send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day: day() }, ConsistentRead: true }))).Item ?? {};
const run = async () => (await api.schedules.run('ReconcileSchedule'))[0] as Record<string, number>;
const indexed = async (userId: string) =>
  ((await db.send(new QueryCommand({ TableName: api.tableName('UsageTable'), IndexName: 'ByLeaseDue', KeyConditionExpression: 'leaseShard = :s', ExpressionAttributeValues: { ':s': userId.slice(-1) } }))).Items ?? []).filter(
    (i) => i.userId === userId,
  );

describe('the reconciler', () => {
  it('settles every kind of leftover once: a record without its usage change, a prompt without a record, an old-format lease', async () => {
    // withRecord is in the format before leases named a conversation; withoutRecord in today's.
    const { userId } = await loggedIn(api, 'leftovers');
    const noon = Date.parse(`${day()}T12:00:00Z`);
    api.clock.set(noon);
    const deadline = noon + 30_000;
    const withRecord = leaseOf(deadline, '01KB00000000000000000REC01', 1000, 500, MODEL);
    const withoutRecord = leaseOf(deadline, '01KB00000000000000000NOR01', 800, 400, MODEL, { id: '01KB0000000000000000CONV01', contextTurns: 2 });
    const oldFormat = `${deadline}:01KB00000000000000000OLD01`;
    await db.send(
      new PutCommand({
        TableName: api.tableName('UsageTable'),
        Item: { userId, day: day(), queries: 3, tokens: 1800, inputTokens: 0, outputTokens: 0, m1200: 3, leases: new Set([withRecord, withoutRecord, oldFormat]), leaseShard: userId.slice(-1), leaseDue: deadline, 'idem:k1': '01KB00000000000000000NOR01' },
      }),
    );
    await db.send(
      new PutCommand({
        TableName: api.tableName('PromptsTable'),
        Item: {
          userId,
          id: '01KB00000000000000000REC01',
          prompt: 'finished',
          model: MODEL,
          createdAt: new Date(noon).toISOString(),
          status: 'COMPLETED',
          response: 'done',
          inputTokens: 50,
          outputTokens: 70,
          settlement: { day: day(), minuteAttr: 'm1200', lease: withRecord, queriesDelta: 0, tokensDelta: -880, inputTokens: 50, outputTokens: 70, releaseKey: '' },
        },
      }),
    );
    // Within their lease and grace, nothing is touched.
    api.clock.set(deadline + 20_000);
    expect(await run()).toMatchObject({ applied: 0, timedOut: 0, dropped: 0 });
    expect(await indexed(userId)).toHaveLength(1);
    api.clock.set(deadline + 31_000);
    expect(await run()).toMatchObject({ applied: 1, timedOut: 1, dropped: 1, failed: 0 });
    const item = await usage(userId);
    // The old-format lease is dropped as it was (its slot and tokens stay charged, with no record to say so).
    expect(item).toMatchObject({ queries: 3, tokens: 1800 - 880, inputTokens: 50 + 400, outputTokens: 70 + 400 });
    expect(item.leases).toBeUndefined();
    expect(item['idem:k1']).toBeUndefined();
    expect(await indexed(userId)).toEqual([]);
    const timedOut = (await db.send(new GetCommand({ TableName: api.tableName('PromptsTable'), Key: { userId, id: '01KB00000000000000000NOR01' } }))).Item;
    expect(timedOut).toMatchObject({ status: 'TIMED_OUT', inputTokens: 400, outputTokens: 400, idempotencyKey: 'k1', model: MODEL, createdAt: new Date(noon).toISOString() });
    // Its lease names a conversation but not the turn's seq, which nothing proves: no conversation
    // fields, so it is not listed as anyone's turn (README, "A turn settled from its lease alone").
    expect(timedOut).not.toHaveProperty('conversationId');
    expect(timedOut).not.toHaveProperty('seq');
    // A second run finds nothing and changes nothing.
    expect(await run()).toMatchObject({ items: 0, applied: 0, timedOut: 0, dropped: 0 });
    expect(await usage(userId)).toEqual(item);
  });

  it('moves an item’s index entry to its earliest live lease, and drops it once the item has none', async () => {
    const { client, userId } = await loggedIn(api, 'tidy');
    const noon = Date.parse(`${day()}T12:00:00Z`);
    api.clock.set(noon);
    await client.sendPrompt('settled at once');
    // Settling does not touch the index (it cannot know it took the last lease): the reconciler tidies.
    expect(await indexed(userId)).toHaveLength(1);
    // Past the lease and its grace, counted from now: on a loaded machine the prompt may have
    // been admitted seconds after noon.
    api.clock.set(api.clock.now() + 61_000);
    expect(await run()).toMatchObject({ tidied: 1, applied: 0, timedOut: 0 });
    expect(await indexed(userId)).toEqual([]);
    const books = await checkBooks(db, api, userId, day(), 200_000);
    expect(books.violations).toEqual([]);
  });
});
