// AppSync parity cases for the DynamoDB data source (APPSYNC.md §2, §8.13–§8.19): the JS request
// objects resolvers produce (DynamoDB-typed values, numbers as JSON numbers) against the local
// DynamoDB, with the result shapes AppSync gives. Each expected value names its source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDbDataSource, type DataSourceResult } from '../../emulator/datasources/dynamodb.ts';
import type { LocalDynamoDB } from '../../emulator/local/dynamodb.ts';
import { startTestDynamoDB } from '../helpers/dynamodb.ts';

// Things: pk (S) + sk (N), so keys carry JSON numbers as util.dynamodb writes them (§0.5).
const THINGS = 'Things';
const OTHERS = 'Others';
// Exists in DynamoDB, but not in the template: requests that name tables must not reach it (§2.1).
const OUTSIDE = 'Outside';

let db: LocalDynamoDB;
let client: DynamoDBClient;
let ds: DynamoDbDataSource;

const table = (name: string, key: { name: string; type: 'S' | 'N' }[]): CreateTableCommandInput => ({
  TableName: name,
  AttributeDefinitions: key.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
  KeySchema: key.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
  BillingMode: 'PAY_PER_REQUEST',
});

beforeAll(async () => {
  db = await startTestDynamoDB();
  client = new DynamoDBClient({ region: 'us-east-1', endpoint: db.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  await client.send(new CreateTableCommand(table(THINGS, [{ name: 'pk', type: 'S' }, { name: 'sk', type: 'N' }])));
  await client.send(new CreateTableCommand(table(OTHERS, [{ name: 'id', type: 'S' }])));
  await client.send(new CreateTableCommand(table(OUTSIDE, [{ name: 'id', type: 'S' }])));
  ds = new DynamoDbDataSource(client, new Set([THINGS, OTHERS]));
});

afterAll(async () => {
  client?.destroy();
  await db?.close();
});

const key = (pk: string, sk: number) => ({ pk: { S: pk }, sk: { N: sk } });

async function put(pk: string, sk: number, attributeValues: Record<string, unknown> = {}): Promise<DataSourceResult> {
  return ds.execute(THINGS, { operation: 'PutItem', key: key(pk, sk), attributeValues });
}

async function get(pk: string, sk: number): Promise<unknown> {
  const out = await ds.execute(THINGS, { operation: 'GetItem', key: key(pk, sk), consistentRead: true });
  expect(out.error).toBeUndefined();
  return out.result;
}

// AppSync appends the service, status and request id to DynamoDB's message (aws-appsync-community#343, §2.6).
const conditionFailed = /^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: [^)]+\)$/;

describe('single-item operations (§2.3, §8.13, §8.14)', () => {
  it('GetItem of a missing key gives a null result and no error (§8.13)', async () => {
    expect(await ds.execute(THINGS, { operation: 'GetItem', key: key('nobody', 0) })).toEqual({ result: null });
  });

  it('PutItem returns key ∪ attributeValues as plain JSON, and that is what was written (§8.14)', async () => {
    const out = await put('put', 1, { name: { S: 'a' }, count: { N: 5 }, ratio: { N: '1.5' } });
    const expected = { pk: 'put', sk: 1, name: 'a', count: 5, ratio: 1.5 };
    expect(out).toEqual({ result: expected });
    expect(await get('put', 1)).toEqual(expected);
  });

  it('UpdateItem returns the whole item after the update, not just the updated attributes (§8.14)', async () => {
    await put('update', 1, { name: { S: 'kept' }, count: { N: 5 } });
    const out = await ds.execute(THINGS, {
      operation: 'UpdateItem',
      key: key('update', 1),
      update: { expression: 'SET #c = #c + :one, #t = :t', expressionNames: { '#c': 'count', '#t': 'tag' }, expressionValues: { ':one': { N: 1 }, ':t': { S: 'new' } } },
    });
    expect(out).toEqual({ result: { pk: 'update', sk: 1, name: 'kept', count: 6, tag: 'new' } });
  });

  it('DeleteItem returns the deleted item, and null when there was none (§8.14, §2.3)', async () => {
    await put('delete', 1, { name: { S: 'gone' } });
    expect(await ds.execute(THINGS, { operation: 'DeleteItem', key: key('delete', 1) })).toEqual({ result: { pk: 'delete', sk: 1, name: 'gone' } });
    expect(await get('delete', 1)).toBeNull();
    expect(await ds.execute(THINGS, { operation: 'DeleteItem', key: key('delete', 1) })).toEqual({ result: null });
  });

  it('DeleteItem with a failed condition succeeds when the item is already gone, and fails when it is not (§2.5)', async () => {
    const condition = { expression: 'attribute_exists(#n) AND #n = :n', expressionNames: { '#n': 'name' }, expressionValues: { ':n': { S: 'expected' } } };
    expect(await ds.execute(THINGS, { operation: 'DeleteItem', key: key('cond-delete', 1), condition })).toEqual({ result: null });
    await put('cond-delete', 2, { name: { S: 'other' } });
    const refused = await ds.execute(THINGS, { operation: 'DeleteItem', key: key('cond-delete', 2), condition });
    expect(refused.error).toMatchObject({ type: 'DynamoDB:ConditionalCheckFailedException' });
    expect(await get('cond-delete', 2)).toMatchObject({ name: 'other' });
  });

  it('round-trips numbers inside sets, lists and maps, and the other types, as plain JSON (§2.2)', async () => {
    const out = await put('types', 1, {
      ns: { NS: [1, 2.5, -3] },
      ss: { SS: ['a', 'b'] },
      list: { L: [{ N: 1 }, { S: 'x' }, { M: { deep: { N: 42 } } }, { NULL: null }] },
      map: { M: { n: { N: 7 }, nested: { L: [{ N: 8 }, { N: '9' }] }, yes: { BOOL: true } } },
      nothing: { NULL: null },
      bytes: { B: Buffer.from('hi').toString('base64') },
    });
    const expected = {
      pk: 'types',
      sk: 1,
      ns: [-3, 1, 2.5],
      ss: ['a', 'b'],
      list: [1, 'x', { deep: 42 }, null],
      map: { n: 7, nested: [8, 9], yes: true },
      nothing: null,
      bytes: 'aGk=',
    };
    // Sets have no order in DynamoDB; compare them sorted.
    const sortSets = (item: unknown) => {
      const i = item as { ns: number[]; ss: string[] };
      return { ...i, ns: [...i.ns].sort((a, b) => a - b), ss: [...i.ss].sort() };
    };
    expect(out.error).toBeUndefined();
    expect(sortSets(out.result)).toEqual(expected);
    expect(sortSets(await get('types', 1))).toEqual(expected);
  });

  it('UpdateItem SET #a = #a + :v on an item without the attribute fails with DynamoDB:ValidationException (§2.7, §8.6)', async () => {
    await put('increment', 1, { name: { S: 'no age' } });
    // What ddb.update({ key, update: { age: ddb.operations.increment(10) } }) sends (§2.7, [A]).
    const out = await ds.execute(THINGS, {
      operation: 'UpdateItem',
      key: key('increment', 1),
      update: { expression: 'SET #expName_1 = #expName_1 + :expValue_1', expressionNames: { '#expName_1': 'age' }, expressionValues: { ':expValue_1': { N: 10 } } },
    });
    expect(out.result).toBeNull();
    expect(out.error?.type).toBe('DynamoDB:ValidationException');
    expect(out.error?.message).toMatch(/attribute that does not exist in the item/);
    expect(await get('increment', 1)).toEqual({ pk: 'increment', sk: 1, name: 'no age' });
  });
});

describe('conditional writes (§2.5, §8.17)', () => {
  const notExists = { expression: 'attribute_not_exists(#pk)', expressionNames: { '#pk': 'pk' } };

  it('PutItem with attribute_not_exists on an identical existing item succeeds with the item (amplify-cli#738, §8.17)', async () => {
    await put('cond-same', 1, { name: { S: 'same' }, n: { N: 1 } });
    const out = await ds.execute(THINGS, { operation: 'PutItem', key: key('cond-same', 1), attributeValues: { name: { S: 'same' }, n: { N: 1 } }, condition: notExists });
    expect(out).toEqual({ result: { pk: 'cond-same', sk: 1, name: 'same', n: 1 } });
  });

  it('PutItem with attribute_not_exists on a different existing item fails with ConditionalCheckFailedException and leaves it alone (aws-appsync-community#343, §8.17)', async () => {
    await put('cond-diff', 1, { name: { S: 'first' } });
    const out = await ds.execute(THINGS, { operation: 'PutItem', key: key('cond-diff', 1), attributeValues: { name: { S: 'second' } }, condition: notExists });
    expect(out.result).toBeNull();
    expect(out.error?.type).toBe('DynamoDB:ConditionalCheckFailedException');
    expect(out.error?.message).toMatch(conditionFailed);
    expect(await get('cond-diff', 1)).toEqual({ pk: 'cond-diff', sk: 1, name: 'first' });
  });

  it('the identical-item comparison skips the attributes named in equalsIgnore (§2.5 step 2)', async () => {
    await put('cond-ignore', 1, { name: { S: 'x' }, updatedAt: { S: '2021-01-01' } });
    const out = await ds.execute(THINGS, {
      operation: 'PutItem',
      key: key('cond-ignore', 1),
      attributeValues: { name: { S: 'x' }, updatedAt: { S: '2021-02-02' } },
      condition: { ...notExists, equalsIgnore: ['updatedAt'] },
    });
    expect(out).toEqual({ result: { pk: 'cond-ignore', sk: 1, name: 'x', updatedAt: '2021-01-01' } });
  });
});

describe('Query (§2.3, §8.15)', () => {
  beforeAll(async () => {
    for (let sk = 1; sk <= 5; sk += 1) await put('query', sk, { label: { S: `item ${sk}` } });
    await put('query-other', 1);
  });

  const byPk = { expression: '#pk = :pk', expressionNames: { '#pk': 'pk' }, expressionValues: { ':pk': { S: 'query' } } };
  type Page = { items: { sk: number }[]; nextToken: string | null; scannedCount: number };
  const query = async (extra: Record<string, unknown>): Promise<Page> => {
    const out = await ds.execute(THINGS, { operation: 'Query', query: byPk, ...extra });
    expect(out.error).toBeUndefined();
    return out.result as Page;
  };

  it('returns {items, nextToken, scannedCount}; nextToken continues where limit stopped and the last page has nextToken null (§8.15)', async () => {
    const first = await query({ limit: 2 });
    expect(first).toEqual({ items: [expect.objectContaining({ sk: 1 }), expect.objectContaining({ sk: 2 })], nextToken: expect.any(String), scannedCount: 2 });
    expect(first.items[0]).toEqual({ pk: 'query', sk: 1, label: 'item 1' });

    const second = await query({ limit: 2, nextToken: first.nextToken });
    expect(second.items.map((i) => i.sk)).toEqual([3, 4]);
    expect(second.nextToken).toEqual(expect.any(String));

    const last = await query({ limit: 2, nextToken: second.nextToken });
    expect(last).toEqual({ items: [{ pk: 'query', sk: 5, label: 'item 5' }], nextToken: null, scannedCount: 1 });
  });

  it('gives everything on one page with nextToken null when there is no limit', async () => {
    const all = await query({});
    expect(all.items.map((i) => i.sk)).toEqual([1, 2, 3, 4, 5]);
    expect(all.nextToken).toBeNull();
    expect(all.scannedCount).toBe(5);
  });

  it('scanIndexForward false returns the sort keys in descending order (§2.3)', async () => {
    const page = await query({ scanIndexForward: false, limit: 3 });
    expect(page.items.map((i) => i.sk)).toEqual([5, 4, 3]);
    const rest = await query({ scanIndexForward: false, limit: 3, nextToken: page.nextToken });
    expect(rest.items.map((i) => i.sk)).toEqual([2, 1]);
  });

  it.each([
    ['a string that is not a token', 'not-a-token'],
    ['a token for a key of another shape', Buffer.from(JSON.stringify({ nope: { S: 'x' } })).toString('base64url')],
  ])('answers an invalid nextToken (%s) with DynamoDB:ValidationException', async (_label, nextToken) => {
    const out = await ds.execute(THINGS, { operation: 'Query', query: byPk, limit: 2, nextToken });
    expect(out.result).toBeNull();
    expect(out.error?.type).toBe('DynamoDB:ValidationException');
  });
});

describe('BatchGetItem (§2.3, §8.16)', () => {
  it('returns {data:{T:[item, null, item]}, unprocessedKeys} in request order, null for a missing key (§8.16)', async () => {
    await put('batch', 1, { name: { S: 'one' } });
    await put('batch', 3, { name: { S: 'three' } });
    await ds.execute(OTHERS, { operation: 'PutItem', key: { id: { S: 'o1' } }, attributeValues: {} });
    const out = await ds.execute(THINGS, {
      operation: 'BatchGetItem',
      tables: { [THINGS]: { keys: [key('batch', 3), key('batch', 2), key('batch', 1)], consistentRead: true }, [OTHERS]: { keys: [{ id: { S: 'o1' } }] } },
    });
    expect(out.error).toBeUndefined();
    const result = out.result as { data: Record<string, unknown[]>; unprocessedKeys: Record<string, unknown[]> };
    expect(result.data).toEqual({
      [THINGS]: [{ pk: 'batch', sk: 3, name: 'three' }, null, { pk: 'batch', sk: 1, name: 'one' }],
      [OTHERS]: [{ id: 'o1' }],
    });
    // Nothing left over locally; AppSync lists leftovers per table (§2.3).
    expect(Object.values(result.unprocessedKeys).flat()).toEqual([]);
  });

  it('refuses more than 100 keys (js-aws-appsync-resolver-reference-dynamodb-batch-get-item, §8.16)', async () => {
    const keys = Array.from({ length: 101 }, (_, i) => key('many', i));
    const out = await ds.execute(THINGS, { operation: 'BatchGetItem', tables: { [THINGS]: { keys } } });
    expect(out.result).toBeNull();
    expect(out.error?.type).toBe('DynamoDB:ValidationException');
    expect(out.error?.message).toMatch(/100/);
  });

  it('refuses a table that is not in the template, even when DynamoDB has it (§2.1; error type is the emulator’s choice)', async () => {
    const out = await ds.execute(THINGS, { operation: 'BatchGetItem', tables: { [OUTSIDE]: { keys: [{ id: { S: 'x' } }] } } });
    expect(out.result).toBeNull();
    expect(out.error?.type).toBe('DynamoDB:ValidationException');
    expect(out.error?.message).toContain(OUTSIDE);
  });
});

describe('TransactWriteItems (§2.3, §2.4, §8.19)', () => {
  it('returns {keys} in request order and writes every item', async () => {
    const out = await ds.execute(THINGS, {
      operation: 'TransactWriteItems',
      transactItems: [
        { table: OTHERS, operation: 'PutItem', key: { id: { S: 'tx-ok' } }, attributeValues: { n: { N: 1 } } },
        { table: THINGS, operation: 'PutItem', key: key('tx-ok', 7), attributeValues: { n: { N: 2 } }, condition: { expression: 'attribute_not_exists(pk)' } },
      ],
    });
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ keys: [{ id: 'tx-ok' }, { pk: 'tx-ok', sk: 7 }] });
    expect(await get('tx-ok', 7)).toEqual({ pk: 'tx-ok', sk: 7, n: 2 });
  });

  it('a failing condition cancels everything: TransactionCanceledException with reasons in request order (boto3#2657, §2.4, §8.19)', async () => {
    await put('tx-taken', 1, { owner: { S: 'someone' } });
    const out = await ds.execute(THINGS, {
      operation: 'TransactWriteItems',
      transactItems: [
        { table: OTHERS, operation: 'PutItem', key: { id: { S: 'tx-rolled-back' } }, attributeValues: {} },
        {
          table: THINGS,
          operation: 'PutItem',
          key: key('tx-taken', 1),
          attributeValues: { owner: { S: 'me' } },
          condition: { expression: 'attribute_not_exists(pk)', returnValuesOnConditionCheckFailure: true },
        },
      ],
    });
    expect(out.error?.type).toBe('DynamoDB:TransactionCanceledException');
    expect(out.error?.message).toMatch(/^Transaction cancelled, please refer cancellation reasons for specific reasons \[None, ConditionalCheckFailed\]/);
    const reasons = (out.result as { cancellationReasons: { type: string; message: string | null; item: unknown }[] }).cancellationReasons;
    expect(reasons.map((r) => r.type)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(reasons[1]).toMatchObject({ message: 'The conditional request failed', item: { pk: 'tx-taken', sk: 1, owner: 'someone' } });
    // Nothing was written, not even the item whose own write was fine.
    expect((await ds.execute(OTHERS, { operation: 'GetItem', key: { id: { S: 'tx-rolled-back' } }, consistentRead: true })).result).toBeNull();
    expect(await get('tx-taken', 1)).toEqual({ pk: 'tx-taken', sk: 1, owner: 'someone' });
  });

  it('refuses a table that is not in the template before writing anything (§2.1)', async () => {
    const out = await ds.execute(THINGS, {
      operation: 'TransactWriteItems',
      transactItems: [
        { table: THINGS, operation: 'PutItem', key: key('tx-outside', 1), attributeValues: {} },
        { table: OUTSIDE, operation: 'PutItem', key: { id: { S: 'x' } }, attributeValues: {} },
      ],
    });
    expect(out.result).toBeNull();
    expect(out.error?.type).toBe('DynamoDB:ValidationException');
    expect(out.error?.message).toContain(OUTSIDE);
    expect(await get('tx-outside', 1)).toBeNull();
  });
});
