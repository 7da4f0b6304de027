// The DynamoDB data source: AppSync's JS request objects → DynamoDB API calls (against dynalite
// locally), and the results back as AppSync shapes them (APPSYNC.md §2).
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { CONDITION_MATCH_SUCCEEDS_FOR } from '../appsync/choices.ts';

export interface DataSourceResult {
  result: unknown;
  error?: { message: string; type: string };
}

type Typed = Record<string, unknown>;
type Expression = { expression: string; expressionNames?: Record<string, string>; expressionValues?: Typed };
type Condition = Expression & { equalsIgnore?: string[]; consistentRead?: boolean; returnValuesOnConditionCheckFailure?: boolean };

export class DynamoDbRequestError extends Error {
  override readonly name = 'ValidationException';
}

/** util.dynamodb writes numbers as JSON numbers; DynamoDB wants strings (APPSYNC.md §0.5). */
export function toWire(value: unknown): AttributeValue {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DynamoDbRequestError(`Not a DynamoDB-typed value: ${JSON.stringify(value)}`);
  const [type, inner] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'N':
      return { N: String(inner) };
    case 'NS':
      return { NS: (inner as unknown[]).map(String) };
    case 'L':
      return { L: (inner as unknown[]).map(toWire) };
    case 'M':
      return { M: mapToWire(inner as Typed) };
    case 'B':
      return { B: Buffer.from(String(inner), 'base64') };
    case 'BS':
      return { BS: (inner as string[]).map((b) => Buffer.from(b, 'base64')) };
    case 'NULL':
      return { NULL: true };
    case 'S':
    case 'SS':
    case 'BOOL':
      return { [type]: inner } as AttributeValue;
    default:
      throw new DynamoDbRequestError(`Unknown DynamoDB type ${String(type)} in ${JSON.stringify(value)}`);
  }
}

function mapToWire(map: Typed | undefined): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, toWire(v)]));
}

/** Items come back as plain JSON: sets as arrays, binary as base64. */
export function fromWire(item: Record<string, AttributeValue> | undefined): Record<string, unknown> | null {
  if (!item) return null;
  return plain(unmarshall(item)) as Record<string, unknown>;
}

function plain(value: unknown): unknown {
  if (value instanceof Set) return [...value].map(plain);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

function mergeExpressions(...parts: (Expression | undefined)[]) {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  for (const p of parts) {
    Object.assign(names, p?.expressionNames ?? {});
    Object.assign(values, mapToWire(p?.expressionValues));
  }
  return {
    ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
    ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
  };
}

function encodeToken(key: Record<string, AttributeValue> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

function decodeToken(token: unknown): Record<string, AttributeValue> | undefined {
  if (token === undefined || token === null) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('shape');
    return parsed as Record<string, AttributeValue>;
  } catch {
    throw new DynamoDbRequestError('The provided starting key is invalid: nextToken could not be decoded');
  }
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => isDeepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function without(item: Record<string, unknown> | null, ignore: string[] = []): Record<string, unknown> | null {
  if (!item) return null;
  return Object.fromEntries(Object.entries(item).filter(([k]) => !ignore.includes(k)));
}

export class DynamoDbDataSource {
  constructor(
    private readonly client: DynamoDBClient,
    /** Table names that requests may name (BatchGet/TransactWrite), physical → exists. */
    private readonly knownTables: ReadonlySet<string>,
  ) {}

  async execute(table: string, request: Record<string, unknown>): Promise<DataSourceResult> {
    try {
      return { result: await this.run(table, request) };
    } catch (error) {
      return this.asError(error);
    }
  }

  private asError(error: unknown): DataSourceResult {
    if (error instanceof TransactionCanceledException) {
      const reasons = (error.CancellationReasons ?? []).map((r) => ({ type: r.Code ?? 'None', message: r.Message ?? null, item: fromWire(r.Item) }));
      return { result: { cancellationReasons: reasons }, error: { type: 'DynamoDB:TransactionCanceledException', message: this.message(error) } };
    }
    if (error instanceof DynamoDBServiceException || error instanceof DynamoDbRequestError) {
      return { result: null, error: { type: `DynamoDB:${error.name}`, message: this.message(error) } };
    }
    const e = error as Error;
    return { result: null, error: { type: 'DynamoDB:InternalServerError', message: e?.message ?? String(error) } };
  }

  private message(error: Error & { $metadata?: { httpStatusCode?: number; requestId?: string } }): string {
    const status = error.$metadata?.httpStatusCode ?? 400;
    const id = error.$metadata?.requestId ?? 'local';
    return `${error.message} (Service: DynamoDb, Status Code: ${status}, Request ID: ${id})`;
  }

  private checkTable(name: unknown): string {
    if (typeof name !== 'string' || !this.knownTables.has(name)) {
      throw new DynamoDbRequestError(`Requested resource not found: table ${String(name)} is not in this API's template`);
    }
    return name;
  }

  private async run(table: string, r: Record<string, unknown>): Promise<unknown> {
    const key = () => mapToWire(r.key as Typed);
    const condition = r.condition as Condition | undefined;
    switch (r.operation) {
      case 'GetItem': {
        const projection = r.projection as Expression | undefined;
        const out = await this.client.send(
          new GetItemCommand({
            TableName: table,
            Key: key(),
            ConsistentRead: Boolean(r.consistentRead),
            ProjectionExpression: projection?.expression,
            ExpressionAttributeNames: projection?.expressionNames,
          }),
        );
        return fromWire(out.Item);
      }
      case 'PutItem': {
        const item = { ...key(), ...mapToWire(r.attributeValues as Typed) };
        try {
          await this.client.send(
            new PutItemCommand({ TableName: table, Item: item, ConditionExpression: condition?.expression, ...mergeExpressions(condition) }),
          );
        } catch (error) {
          // AppSync reports success when the item already is what the write wanted (§2.5).
          if (error instanceof DynamoDBServiceException && error.name === 'ConditionalCheckFailedException' && CONDITION_MATCH_SUCCEEDS_FOR.includes('PutItem')) {
            const existing = fromWire((await this.client.send(new GetItemCommand({ TableName: table, Key: key(), ConsistentRead: true }))).Item);
            if (isDeepEqual(without(existing, condition?.equalsIgnore), without(fromWire(item), condition?.equalsIgnore))) return existing;
          }
          throw error;
        }
        return fromWire(item);
      }
      case 'UpdateItem': {
        const update = r.update as Expression;
        const out = await this.client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key(),
            UpdateExpression: update.expression,
            ConditionExpression: condition?.expression,
            ReturnValues: 'ALL_NEW',
            ...mergeExpressions(update, condition),
          }),
        );
        return fromWire(out.Attributes);
      }
      case 'DeleteItem': {
        try {
          const out = await this.client.send(
            new DeleteItemCommand({ TableName: table, Key: key(), ConditionExpression: condition?.expression, ReturnValues: 'ALL_OLD', ...mergeExpressions(condition) }),
          );
          return fromWire(out.Attributes);
        } catch (error) {
          // A failed condition on an item that is already gone is what the delete wanted:
          // AppSync reports success (§2.5; approximated, as for PutItem).
          if (error instanceof DynamoDBServiceException && error.name === 'ConditionalCheckFailedException' && CONDITION_MATCH_SUCCEEDS_FOR.includes('DeleteItem')) {
            const existing = await this.client.send(new GetItemCommand({ TableName: table, Key: key(), ConsistentRead: true }));
            if (!existing.Item) return null;
          }
          throw error;
        }
      }
      case 'Query':
      case 'Scan': {
        const query = r.query as Expression | undefined;
        const filter = r.filter as Expression | undefined;
        const projection = r.projection as Expression | undefined;
        const common = {
          TableName: table,
          IndexName: r.index as string | undefined,
          Limit: r.limit as number | undefined,
          ExclusiveStartKey: decodeToken(r.nextToken),
          ConsistentRead: r.consistentRead as boolean | undefined,
          Select: r.select as 'ALL_ATTRIBUTES' | 'ALL_PROJECTED_ATTRIBUTES' | undefined,
          FilterExpression: filter?.expression,
          ProjectionExpression: projection?.expression,
          ...mergeExpressions(query, filter, projection),
        };
        const out =
          r.operation === 'Query'
            ? await this.client.send(new QueryCommand({ ...common, KeyConditionExpression: query?.expression, ScanIndexForward: r.scanIndexForward !== false }))
            : await this.client.send(new ScanCommand({ ...common, Segment: r.segment as number | undefined, TotalSegments: r.totalSegments as number | undefined }));
        return { items: (out.Items ?? []).map((i) => fromWire(i)), nextToken: encodeToken(out.LastEvaluatedKey), scannedCount: out.ScannedCount ?? 0 };
      }
      case 'BatchGetItem': {
        const tables = r.tables as Record<string, { keys: Typed[]; consistentRead?: boolean }>;
        const total = Object.values(tables).reduce((n, t) => n + t.keys.length, 0);
        if (total > 100) throw new DynamoDbRequestError('Too many items requested for the BatchGetItem call (at most 100 keys)');
        const out = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: Object.fromEntries(
              Object.entries(tables).map(([t, spec]) => [this.checkTable(t), { Keys: spec.keys.map(mapToWire), ConsistentRead: spec.consistentRead }]),
            ),
          }),
        );
        const data: Record<string, (Record<string, unknown> | null)[]> = {};
        for (const [t, spec] of Object.entries(tables)) {
          const found = (out.Responses?.[t] ?? []).map((i) => fromWire(i)!);
          data[t] = spec.keys.map((k) => {
            const wanted = fromWire(mapToWire(k))!;
            return found.find((item) => Object.entries(wanted).every(([name, v]) => isDeepEqual(item[name], v))) ?? null;
          });
        }
        const unprocessedKeys = Object.fromEntries(Object.entries(out.UnprocessedKeys ?? {}).map(([t, v]) => [t, (v.Keys ?? []).map((k) => fromWire(k))]));
        return { data, unprocessedKeys };
      }
      case 'BatchPutItem':
      case 'BatchDeleteItem': {
        const tables = r.tables as Record<string, Typed[]>;
        const requests = Object.fromEntries(
          Object.entries(tables).map(([t, items]) => [
            this.checkTable(t),
            items.map((i) => (r.operation === 'BatchPutItem' ? { PutRequest: { Item: mapToWire(i) } } : { DeleteRequest: { Key: mapToWire(i) } })),
          ]),
        );
        const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: requests }));
        const data = Object.fromEntries(Object.entries(tables).map(([t, items]) => [t, items.map((i) => fromWire(mapToWire(i)))]));
        const unprocessed = Object.fromEntries(
          Object.entries(out.UnprocessedItems ?? {}).map(([t, reqs]) => [t, reqs.map((q) => fromWire(q.PutRequest?.Item ?? q.DeleteRequest?.Key))]),
        );
        return r.operation === 'BatchPutItem' ? { data, unprocessedItems: unprocessed } : { data, unprocessedKeys: unprocessed };
      }
      case 'TransactGetItems': {
        const items = r.transactItems as { table: string; key: Typed; projection?: Expression }[];
        const out = await this.client.send(
          new TransactGetItemsCommand({ TransactItems: items.map((i) => ({ Get: { TableName: this.checkTable(i.table), Key: mapToWire(i.key) } })) }),
        );
        return { items: (out.Responses ?? []).map((res) => fromWire(res.Item)), cancellationReasons: null };
      }
      case 'TransactWriteItems': {
        const items = r.transactItems as {
          table: string;
          operation: string;
          key: Typed;
          attributeValues?: Typed;
          update?: Expression;
          condition?: Condition;
        }[];
        const transactItems: TransactWriteItem[] = items.map((i) => {
          const TableName = this.checkTable(i.table);
          const Key = mapToWire(i.key);
          const cond = i.condition
            ? {
                ConditionExpression: i.condition.expression,
                ReturnValuesOnConditionCheckFailure: i.condition.returnValuesOnConditionCheckFailure ? ('ALL_OLD' as const) : undefined,
              }
            : {};
          switch (i.operation) {
            case 'PutItem':
              return { Put: { TableName, Item: { ...Key, ...mapToWire(i.attributeValues) }, ...cond, ...mergeExpressions(i.condition) } };
            case 'UpdateItem':
              return { Update: { TableName, Key, UpdateExpression: i.update!.expression, ...cond, ...mergeExpressions(i.update, i.condition) } };
            case 'DeleteItem':
              return { Delete: { TableName, Key, ...cond, ...mergeExpressions(i.condition) } };
            case 'ConditionCheck':
              return { ConditionCheck: { TableName, Key, ConditionExpression: i.condition?.expression ?? '', ...mergeExpressions(i.condition) } };
            default:
              throw new DynamoDbRequestError(`Unknown TransactWriteItems operation ${i.operation}`);
          }
        });
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: transactItems }));
        return { keys: items.map((i) => fromWire(mapToWire(i.key))), cancellationReasons: null };
      }
      default:
        throw new DynamoDbRequestError(`Unsupported DynamoDB operation ${String(r.operation)}`);
    }
  }
}
