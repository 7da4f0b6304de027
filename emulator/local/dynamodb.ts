// Local DynamoDB: dynalite behind a proxy that adds transactions, TTL settings and per-item write ordering.
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import dynalite from 'dynalite';

export interface LocalDynamoDB {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface DynamoDBOptions {
  /** LevelDB directory; in memory when absent. */
  path?: string;
  host?: string;
  /** 0 or absent picks a free port. */
  port?: number;
}

type Json = Record<string, unknown>;

interface KeyAttribute {
  name: string;
  type: string;
}

interface TableInfo {
  name: string;
  key: KeyAttribute[];
  description: Json;
  localIndexes: boolean;
}

interface Reply {
  status: number;
  body: Json;
}

interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  payload: Buffer;
}

type WriteKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';

interface TransactWrite {
  kind: WriteKind;
  op: Json;
  table: TableInfo;
  /** Primary key, when the request names a well-formed one. */
  key: Json | undefined;
  lock: string;
}

type Checked =
  | { status: 'passed'; old: Json | undefined; next: Json | null | undefined; capacity: number }
  | { status: 'cancelled'; reason: Json }
  | { status: 'invalid'; error: ServiceError };

const API = 'DynamoDB_20120810';
const NS = 'com.amazonaws.dynamodb.v20120810#';
const VALIDATION = 'com.amazon.coral.validate#ValidationException';
const SERIALIZATION = 'com.amazon.coral.service#SerializationException';
const JSON_TYPE = 'application/x-amz-json-1.0';
const SCRATCH_PREFIX = '__tollgate_tx_';
const MAX_TABLE_NAME = 255;
const MAX_TRANSACT_ITEMS = 100;
const TOKEN_TTL_MS = 10 * 60_000;
const CONDITION_FAILED = 'The conditional request failed';
// dynalite insists on a well-formed SigV4 header but never checks the signature.
const INTERNAL_AUTH =
  'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
// Errors that depend on the item's current state, not on the request: DynamoDB reports these as a
// cancellation reason (ValidationError) instead of failing the whole request.
const STATE_DEPENDENT = new Set([
  'Item size to update has exceeded the maximum allowed size',
  'Type mismatch for attribute to update',
  'The document path provided in the update expression is invalid for update',
  'An operand in the update expression has an incorrect data type',
  'The update expression attempted to update the secondary index key to unsupported type',
]);

class ServiceError extends Error {
  readonly payload: Json;
  constructor(
    readonly status: number,
    payload: Json,
  ) {
    super(typeof payload.message === 'string' ? payload.message : String(payload.__type));
    this.name = 'ServiceError';
    this.payload = payload;
  }

  get code(): string {
    return shortType(this.payload.__type);
  }
}

const validation = (message: string): ServiceError => new ServiceError(400, { __type: VALIDATION, message });
const dynamoError = (name: string, message: string, status = 400): ServiceError =>
  new ServiceError(status, { __type: NS + name, message });
const missing = (path: string): ServiceError =>
  validation(`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`);

export async function startDynamoDB(opts: DynamoDBOptions): Promise<LocalDynamoDB> {
  const store = dynalite({ path: opts.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const upstreamPort = (await listen(store, 0, '127.0.0.1')).port;
  const proxy = new TransactionProxy(upstreamPort);
  const server = createServer((req, res) => {
    proxy.handle(req, res).catch((err: unknown) => {
      const error = err instanceof ServiceError ? err : dynamoError('InternalServerError', String(err), 500);
      if (!res.headersSent) sendJson(res, error.status, error.payload);
      else res.destroy();
    });
  });
  let address: AddressInfo;
  try {
    address = await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  } catch (err) {
    proxy.close();
    await closeServer(store);
    throw err;
  }

  return {
    url: `http://${urlHost(address)}:${address.port}`,
    port: address.port,
    async close() {
      const closing = closeServer(server);
      // SDK clients hold keep-alive sockets open; close() alone would wait for them to time out.
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 2_000);
      try {
        await closing;
      } finally {
        clearTimeout(force);
      }
      proxy.close();
      await closeServer(store);
    },
  };
}

class TransactionProxy {
  private readonly agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });
  private readonly tables = new Map<string, Promise<TableInfo>>();
  private readonly scratch = new Map<string, Promise<string>>();
  private readonly locks = new KeyLocks();
  private readonly ttl = new Map<string, { AttributeName: string; Enabled: boolean }>();
  private readonly tokens = new Map<string, { digest: string; expires: number }>();
  private readonly pendingTokens = new Set<string>();

  constructor(private readonly upstreamPort: number) {}

  close(): void {
    this.agent.destroy();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];
    const op = typeof target === 'string' && target.startsWith(`${API}.`) ? target.slice(API.length + 1) : '';
    if (req.method !== 'POST' || !BUFFERED_OPERATIONS.has(op)) {
      await this.forward(req, res);
      return;
    }
    const body = await readBody(req);
    // dynalite does this for what it answers itself; the proxy's own answers need it too.
    if (req.headers.origin) res.setHeader('access-control-allow-origin', '*');
    switch (op) {
      case 'TransactWriteItems':
        return this.respond(res, () => this.transactWrite(parseInput(body)));
      case 'TransactGetItems':
        return this.respond(res, () => this.transactGet(parseInput(body)));
      case 'UpdateTimeToLive':
        return this.respond(res, () => this.updateTimeToLive(parseInput(body)));
      case 'DescribeTimeToLive':
        return this.respond(res, () => this.describeTimeToLive(parseInput(body)));
      case 'ListTables':
        return this.listTables(req, res, body);
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
      case 'BatchWriteItem':
        return this.lockedWrite(req, res, body, op);
      case 'GetItem':
      case 'BatchGetItem':
        return this.orderedRead(req, res, body, op);
      default:
        return this.tableChange(req, res, body);
    }
  }

  // ---- Plain operations, forwarded as they came ----

  private async lockedWrite(req: IncomingMessage, res: ServerResponse, body: Buffer, op: string): Promise<void> {
    const keys = await this.writtenKeys(op, tryParse(body));
    const release = await this.locks.acquire(keys);
    try {
      await this.forward(req, res, body);
    } finally {
      release();
    }
  }

  // A read waits for writes already holding its item, so it never sees half of a transaction.
  private async orderedRead(req: IncomingMessage, res: ServerResponse, body: Buffer, op: string): Promise<void> {
    if (!this.locks.idle) {
      const input = tryParse(body);
      const keys: string[] = [];
      if (op === 'GetItem') {
        const table = await this.tableOrUndefined(input?.TableName);
        const lock = table && lockKey(table, input?.Key);
        if (lock) keys.push(lock);
      } else if (isRecord(input?.RequestItems)) {
        for (const [name, request] of Object.entries(input.RequestItems)) {
          const table = await this.tableOrUndefined(name);
          if (!table || !isRecord(request) || !Array.isArray(request.Keys)) continue;
          for (const key of request.Keys) {
            const lock = lockKey(table, key);
            if (lock) keys.push(lock);
          }
        }
      }
      await this.locks.waitFor(keys);
    }
    await this.forward(req, res, body);
  }

  private async tableChange(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const name = tryParse(body)?.TableName;
    const status = await this.forward(req, res, body);
    if (typeof name === 'string' && status === 200) {
      this.tables.delete(name);
      // The next transaction rebuilds the scratch copy from the table's new shape.
      this.scratch.delete(name);
      if (req.headers['x-amz-target'] === `${API}.DeleteTable`) this.ttl.delete(name);
    }
  }

  private async listTables(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const raw = await this.rawRequest(req.method ?? 'POST', req.url ?? '/', forwardHeaders(req.headers, body), body);
    if (raw.status === 200) {
      const page = tryParse(raw.payload);
      const names = page?.TableNames;
      if (Array.isArray(names) && (page?.LastEvaluatedTableName !== undefined || names.some(isScratchName))) {
        return this.respond(res, () => this.visibleTables(tryParse(body) ?? {}));
      }
    }
    res.writeHead(raw.status, responseHeaders(raw.headers));
    res.end(raw.payload);
  }

  // Pages through everything so that hiding scratch tables never shortens a page or breaks its cursor.
  private async visibleTables(input: Json): Promise<Json> {
    const limit = typeof input.Limit === 'number' ? input.Limit : 100;
    const visible: string[] = [];
    let cursor = typeof input.ExclusiveStartTableName === 'string' ? input.ExclusiveStartTableName : undefined;
    do {
      const page = this.ok(await this.call('ListTables', cursor ? { ExclusiveStartTableName: cursor } : {}));
      const names = Array.isArray(page.TableNames) ? page.TableNames : [];
      for (const name of names) if (typeof name === 'string' && !isScratchName(name)) visible.push(name);
      cursor = typeof page.LastEvaluatedTableName === 'string' ? page.LastEvaluatedTableName : undefined;
    } while (cursor !== undefined && visible.length <= limit);
    if (visible.length > limit) {
      visible.length = limit;
      return { LastEvaluatedTableName: visible[limit - 1], TableNames: visible };
    }
    return { TableNames: visible };
  }

  private async writtenKeys(op: string, input: Json | undefined): Promise<string[]> {
    if (!input) return [];
    if (op !== 'BatchWriteItem') {
      const table = await this.tableOrUndefined(input.TableName);
      const lock = table && lockKey(table, op === 'PutItem' ? input.Item : input.Key);
      return lock ? [lock] : [];
    }
    const keys: string[] = [];
    if (!isRecord(input.RequestItems)) return keys;
    for (const [name, requests] of Object.entries(input.RequestItems)) {
      const table = await this.tableOrUndefined(name);
      if (!table || !Array.isArray(requests)) continue;
      for (const request of requests) {
        if (!isRecord(request)) continue;
        const source = isRecord(request.PutRequest)
          ? request.PutRequest.Item
          : isRecord(request.DeleteRequest)
            ? request.DeleteRequest.Key
            : undefined;
        const lock = lockKey(table, source);
        if (lock) keys.push(lock);
      }
    }
    return keys;
  }

  // ---- TransactWriteItems ----

  private async transactWrite(input: Json): Promise<Json> {
    const items = transactItems(input.TransactItems);
    const capacityMode = enumOption(input, 'ReturnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
    const metricsMode = enumOption(input, 'ReturnItemCollectionMetrics', ['SIZE', 'NONE']);
    const token = input.ClientRequestToken;
    if (token !== undefined && (typeof token !== 'string' || token.length < 1 || token.length > 36)) {
      throw validation(
        "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 1 and 36",
      );
    }

    const writes: TransactWrite[] = [];
    for (const [index, item] of items.entries()) writes.push(await this.describeWrite(item, index));
    const seen = new Set<string>();
    for (const write of writes) {
      if (seen.has(write.lock)) throw validation('Transaction request cannot include multiple operations on one item');
      seen.add(write.lock);
    }

    let digest: string | undefined;
    if (typeof token === 'string') {
      this.forgetExpiredTokens();
      digest = createHash('sha256').update(JSON.stringify({ ...input, ClientRequestToken: undefined })).digest('hex');
      const known = this.tokens.get(token);
      if (known) {
        if (known.digest !== digest) {
          throw dynamoError('IdempotentParameterMismatchException', 'Transaction request with the same idempotency token has different parameters');
        }
        return {};
      }
      if (this.pendingTokens.has(token)) {
        throw dynamoError('TransactionInProgressException', 'Transaction with the same idempotency token is in progress');
      }
      this.pendingTokens.add(token);
    }

    try {
      const scratchNames = new Map<string, string>();
      for (const write of writes) {
        if (!scratchNames.has(write.table.name)) scratchNames.set(write.table.name, await this.scratchTable(write.table));
      }
      const release = await this.locks.acquire(writes.map((w) => w.lock));
      let result: Json;
      try {
        const checked = await Promise.all(
          writes.map((write) => this.check(write, scratchNames.get(write.table.name) ?? '', capacityMode)),
        );
        // Under the same locks, or a later transaction's fresh copy could be deleted by this cleanup.
        const cleanup = Promise.all(
          writes.map((write) =>
            write.key
              ? this.call('DeleteItem', { TableName: scratchNames.get(write.table.name), Key: write.key }).catch(() => undefined)
              : undefined,
          ),
        );
        try {
          result = await this.commit(writes, checked, capacityMode, metricsMode);
        } finally {
          await cleanup;
        }
      } finally {
        release();
      }
      if (typeof token === 'string' && digest) this.tokens.set(token, { digest, expires: Date.now() + TOKEN_TTL_MS });
      return result;
    } finally {
      if (typeof token === 'string') this.pendingTokens.delete(token);
    }
  }

  private async describeWrite(item: Json, index: number): Promise<TransactWrite> {
    const kinds = (['ConditionCheck', 'Put', 'Delete', 'Update'] as const).filter((k) => item[k] !== undefined);
    const kind = kinds[0];
    if (kinds.length !== 1 || !kind) throw validation('TransactItems can only contain one of Check, Put, Update or Delete');
    const op = item[kind];
    const path = `transactItems.${index + 1}.member.${kind === 'ConditionCheck' ? 'conditionCheck' : kind.toLowerCase()}`;
    if (!isRecord(op)) throw missing(path);
    if (typeof op.TableName !== 'string') throw missing(`${path}.tableName`);
    const source = kind === 'Put' ? op.Item : op.Key;
    if (!isRecord(source)) throw missing(`${path}.${kind === 'Put' ? 'item' : 'key'}`);
    if (kind === 'Update' && typeof op.UpdateExpression !== 'string') throw missing(`${path}.updateExpression`);
    if (kind === 'ConditionCheck' && typeof op.ConditionExpression !== 'string') throw missing(`${path}.conditionExpression`);
    enumOption(op, 'ReturnValuesOnConditionCheckFailure', ['ALL_OLD', 'NONE']);
    const table = await this.table(op.TableName);
    const key = keyOf(table, source);
    // A malformed key gets a lock of its own; dynalite rejects the operation during the check.
    const lock = lockKey(table, source) ?? `${table.name}\u0000!${index}`;
    return { kind, op, table, key, lock };
  }

  // Runs the operation on a scratch copy of the item, so dynalite judges the condition on the
  // locked state without the real table changing.
  private async check(write: TransactWrite, scratch: string, capacityMode: string | undefined): Promise<Checked> {
    const { op, kind } = write;
    let old: Json | undefined;
    if (kind !== 'Put' || write.key) {
      const current = await this.call('GetItem', { TableName: write.table.name, Key: write.key ?? op.Key, ConsistentRead: true });
      if (current.status !== 200) return { status: 'invalid', error: fromReply(current) };
      old = isRecord(current.body.Item) ? current.body.Item : undefined;
      const copied = old
        ? await this.call('PutItem', { TableName: scratch, Item: old })
        : await this.call('DeleteItem', { TableName: scratch, Key: write.key ?? op.Key });
      if (copied.status !== 200) return { status: 'invalid', error: fromReply(copied) };
    }

    const input: Json = { TableName: scratch };
    for (const field of ['ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues']) {
      if (op[field] !== undefined) input[field] = op[field];
    }
    if (capacityMode === 'TOTAL' || capacityMode === 'INDEXES') input.ReturnConsumedCapacity = 'TOTAL';
    let reply: Reply;
    if (kind === 'Put') {
      reply = await this.call('PutItem', { ...input, Item: op.Item });
    } else if (kind === 'Update') {
      reply = await this.call('UpdateItem', { ...input, Key: op.Key, UpdateExpression: op.UpdateExpression, ReturnValues: 'ALL_NEW' });
    } else {
      // A conditional delete of the scratch copy evaluates a ConditionCheck exactly, and writes nothing real.
      reply = await this.call('DeleteItem', { ...input, Key: op.Key });
    }

    if (reply.status === 200) {
      const consumed = isRecord(reply.body.ConsumedCapacity) ? Number(reply.body.ConsumedCapacity.CapacityUnits) || 0 : 0;
      const next = kind === 'Put' ? asRecord(op.Item) : kind === 'Update' ? asRecord(reply.body.Attributes) : kind === 'Delete' ? null : undefined;
      return { status: 'passed', old, next, capacity: consumed };
    }
    const error = fromReply(reply);
    if (error.code === 'ConditionalCheckFailedException') {
      const reason: Json = { Code: 'ConditionalCheckFailed', Message: CONDITION_FAILED };
      if (op.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old) reason.Item = old;
      return { status: 'cancelled', reason };
    }
    if (error.code === 'ValidationException' && STATE_DEPENDENT.has(error.message)) {
      return { status: 'cancelled', reason: { Code: 'ValidationError', Message: error.message } };
    }
    return { status: 'invalid', error };
  }

  private async commit(
    writes: TransactWrite[],
    checked: Checked[],
    capacityMode: string | undefined,
    metricsMode: string | undefined,
  ): Promise<Json> {
    // A malformed request fails as a whole, like DynamoDB's up-front validation, whatever the conditions said.
    for (const outcome of checked) if (outcome.status === 'invalid') throw outcome.error;
    if (checked.some((outcome) => outcome.status === 'cancelled')) {
      const reasons = checked.map((outcome) => (outcome.status === 'cancelled' ? outcome.reason : { Code: 'None' }));
      const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => String(r.Code)).join(', ')}]`;
      throw new ServiceError(400, {
        __type: `${NS}TransactionCanceledException`,
        message,
        Message: message,
        CancellationReasons: reasons,
      });
    }

    const passed = checked.filter((c): c is Extract<Checked, { status: 'passed' }> => c.status === 'passed');
    const applied = await Promise.all(
      writes.map(async (write, i) => {
        const outcome = passed[i];
        // The checks proved every condition on the locked state, so the final images go in unconditionally.
        if (outcome?.next === null) return this.call('DeleteItem', { TableName: write.table.name, Key: write.key ?? write.op.Key });
        if (outcome?.next) return this.call('PutItem', { TableName: write.table.name, Item: outcome.next });
        return undefined;
      }),
    );
    const failed = applied.find((reply) => reply && reply.status !== 200);
    if (failed) {
      await this.rollback(writes, passed);
      throw dynamoError('InternalServerError', `Transaction could not be applied: ${fromReply(failed).message}`, 500);
    }

    const result: Json = {};
    if (capacityMode === 'TOTAL' || capacityMode === 'INDEXES') {
      result.ConsumedCapacity = consumedCapacity(
        writes.map((w, i) => ({ table: w.table.name, units: passed[i]?.capacity ?? 0 })),
        capacityMode,
      );
    }
    if (metricsMode === 'SIZE') {
      const metrics: Record<string, Json[]> = {};
      for (const write of writes) {
        const hash = write.table.key[0];
        if (!write.table.localIndexes || write.kind === 'ConditionCheck' || !write.key || !hash) continue;
        (metrics[write.table.name] ??= []).push({
          ItemCollectionKey: { [hash.name]: write.key[hash.name] },
          SizeEstimateRangeGB: [0, 1],
        });
      }
      if (Object.keys(metrics).length > 0) result.ItemCollectionMetrics = metrics;
    }
    return result;
  }

  // Only reachable if dynalite fails after the checks passed (storage error); best effort back to the old images.
  private async rollback(writes: TransactWrite[], passed: Extract<Checked, { status: 'passed' }>[]): Promise<void> {
    await Promise.all(
      writes.map(async (write, i) => {
        const outcome = passed[i];
        if (!outcome || outcome.next === undefined) return;
        await (outcome.old
          ? this.call('PutItem', { TableName: write.table.name, Item: outcome.old })
          : this.call('DeleteItem', { TableName: write.table.name, Key: write.key ?? write.op.Key })
        ).catch(() => undefined);
      }),
    );
  }

  private forgetExpiredTokens(): void {
    const now = Date.now();
    // Insertion order is expiry order, so the scan stops at the first live token.
    for (const [token, entry] of this.tokens) {
      if (entry.expires > now) break;
      this.tokens.delete(token);
    }
  }

  // ---- TransactGetItems ----

  private async transactGet(input: Json): Promise<Json> {
    const items = transactItems(input.TransactItems);
    const capacityMode = enumOption(input, 'ReturnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE']);
    const gets: { op: Json; table: TableInfo; lock: string }[] = [];
    for (const [index, item] of items.entries()) {
      const op = item.Get;
      const path = `transactItems.${index + 1}.member.get`;
      if (!isRecord(op)) throw missing(path);
      if (typeof op.TableName !== 'string') throw missing(`${path}.tableName`);
      if (!isRecord(op.Key)) throw missing(`${path}.key`);
      const table = await this.table(op.TableName);
      gets.push({ op, table, lock: lockKey(table, op.Key) ?? `${table.name}\u0000!${index}` });
    }
    const release = await this.locks.acquire(gets.map((g) => g.lock));
    let replies: Reply[];
    try {
      replies = await Promise.all(
        gets.map(({ op }) => {
          const get: Json = { TableName: op.TableName, Key: op.Key, ConsistentRead: true };
          if (op.ProjectionExpression !== undefined) get.ProjectionExpression = op.ProjectionExpression;
          if (op.ExpressionAttributeNames !== undefined) get.ExpressionAttributeNames = op.ExpressionAttributeNames;
          if (capacityMode === 'TOTAL' || capacityMode === 'INDEXES') get.ReturnConsumedCapacity = 'TOTAL';
          return this.call('GetItem', get);
        }),
      );
    } finally {
      release();
    }
    const failed = replies.find((reply) => reply.status !== 200);
    if (failed) throw fromReply(failed);
    const result: Json = { Responses: replies.map((reply) => (isRecord(reply.body.Item) ? { Item: reply.body.Item } : {})) };
    if (capacityMode === 'TOTAL' || capacityMode === 'INDEXES') {
      result.ConsumedCapacity = consumedCapacity(
        replies.map((reply, i) => ({
          table: gets[i]?.table.name ?? '',
          units: isRecord(reply.body.ConsumedCapacity) ? Number(reply.body.ConsumedCapacity.CapacityUnits) || 0 : 0,
        })),
        capacityMode,
      );
    }
    return result;
  }

  // ---- Time to live: settings only, nothing ever expires ----

  private async updateTimeToLive(input: Json): Promise<Json> {
    if (typeof input.TableName !== 'string') throw missing('tableName');
    const spec = input.TimeToLiveSpecification;
    if (!isRecord(spec)) throw missing('timeToLiveSpecification');
    if (typeof spec.Enabled !== 'boolean') throw missing('timeToLiveSpecification.enabled');
    if (typeof spec.AttributeName !== 'string') throw missing('timeToLiveSpecification.attributeName');
    if (spec.AttributeName.length < 1 || spec.AttributeName.length > 255) {
      throw validation(
        `1 validation error detected: Value '${spec.AttributeName}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length between 1 and 255`,
      );
    }
    const table = await this.table(input.TableName, true);
    const current = this.ttl.get(table.name);
    if (current?.Enabled && current.AttributeName !== spec.AttributeName) {
      throw validation(`TimeToLive is active on a different AttributeName: current AttributeName is ${current.AttributeName}`);
    }
    if (spec.Enabled && current?.Enabled) throw validation('TimeToLive is already enabled');
    if (!spec.Enabled && !current?.Enabled) throw validation('TimeToLive is already disabled');
    const stored = { AttributeName: spec.AttributeName, Enabled: spec.Enabled };
    this.ttl.set(table.name, stored);
    return { TimeToLiveSpecification: stored };
  }

  private async describeTimeToLive(input: Json): Promise<Json> {
    if (typeof input.TableName !== 'string') throw missing('tableName');
    const table = await this.table(input.TableName, true);
    const current = this.ttl.get(table.name);
    return {
      TimeToLiveDescription: current?.Enabled
        ? { TimeToLiveStatus: 'ENABLED', AttributeName: current.AttributeName }
        : { TimeToLiveStatus: 'DISABLED' },
    };
  }

  // ---- Tables and their scratch copies ----

  private table(name: string, fresh = false): Promise<TableInfo> {
    if (fresh) this.tables.delete(name);
    let info = this.tables.get(name);
    if (!info) {
      info = this.call('DescribeTable', { TableName: name }).then((reply) => tableInfo(name, this.ok(reply)));
      const pending = info;
      this.tables.set(name, pending);
      pending.catch(() => {
        if (this.tables.get(name) === pending) this.tables.delete(name);
      });
    }
    return info;
  }

  private async tableOrUndefined(name: unknown): Promise<TableInfo | undefined> {
    if (typeof name !== 'string') return undefined;
    return this.table(name).catch(() => undefined);
  }

  private scratchTable(table: TableInfo): Promise<string> {
    let ready = this.scratch.get(table.name);
    if (!ready) {
      ready = this.createScratch(table);
      const pending = ready;
      this.scratch.set(table.name, pending);
      pending.catch(() => {
        if (this.scratch.get(table.name) === pending) this.scratch.delete(table.name);
      });
    }
    return ready;
  }

  private async createScratch(table: TableInfo): Promise<string> {
    const name = scratchName(table.name);
    // A leftover from an earlier run or an older shape of the table would judge conditions wrongly.
    await this.dropTable(name);
    const d = table.description;
    const indexes = (list: unknown): Json[] | undefined =>
      Array.isArray(list) && list.length > 0
        ? list.filter(isRecord).map((index) => ({
            IndexName: index.IndexName,
            KeySchema: index.KeySchema,
            Projection: { ProjectionType: 'KEYS_ONLY' },
          }))
        : undefined;
    const input: Json = {
      TableName: name,
      AttributeDefinitions: d.AttributeDefinitions,
      KeySchema: d.KeySchema,
      BillingMode: 'PAY_PER_REQUEST',
    };
    // Indexes are copied so that index-key type checks reject an item during the check, not halfway through the commit.
    const global = indexes(d.GlobalSecondaryIndexes);
    const local = indexes(d.LocalSecondaryIndexes);
    if (global) input.GlobalSecondaryIndexes = global;
    if (local) input.LocalSecondaryIndexes = local;
    this.ok(await this.call('CreateTable', input));
    await this.waitFor(name, (reply) => reply.status === 200 && isRecord(reply.body.Table) && reply.body.Table.TableStatus === 'ACTIVE');
    return name;
  }

  private async dropTable(name: string): Promise<void> {
    const gone = (reply: Reply): boolean => shortType(reply.body.__type) === 'ResourceNotFoundException';
    for (;;) {
      const reply = await this.call('DeleteTable', { TableName: name });
      if (reply.status === 200 || gone(reply)) break;
      if (shortType(reply.body.__type) !== 'ResourceInUseException') throw fromReply(reply);
      await delay(5);
    }
    await this.waitFor(name, gone);
  }

  private async waitFor(name: string, done: (reply: Reply) => boolean): Promise<void> {
    for (let attempt = 0; attempt < 2_000; attempt++) {
      if (done(await this.call('DescribeTable', { TableName: name }))) return;
      await delay(5);
    }
    throw dynamoError('InternalServerError', `Table ${name} did not settle`, 500);
  }

  // ---- Talking to dynalite ----

  private async respond(res: ServerResponse, work: () => Promise<Json>): Promise<void> {
    try {
      sendJson(res, 200, await work());
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      sendJson(res, err.status, err.payload);
    }
  }

  private ok(reply: Reply): Json {
    if (reply.status !== 200) throw fromReply(reply);
    return reply.body;
  }

  private async call(op: string, input: Json): Promise<Reply> {
    const body = Buffer.from(JSON.stringify(input));
    const raw = await this.rawRequest('POST', '/', {
      'content-type': JSON_TYPE,
      'content-length': String(body.length),
      'x-amz-target': `${API}.${op}`,
      'x-amz-date': '20200101T000000Z',
      authorization: INTERNAL_AUTH,
    }, body);
    return { status: raw.status, body: tryParse(raw.payload) ?? {} };
  }

  private rawRequest(method: string, path: string, headers: OutgoingHttpHeaders, body: Buffer): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { agent: this.agent, host: '127.0.0.1', port: this.upstreamPort, method, path, headers },
        (reply) => {
          const chunks: Buffer[] = [];
          reply.on('data', (chunk: Buffer) => chunks.push(chunk));
          reply.on('end', () => resolve({ status: reply.statusCode ?? 500, headers: reply.headers, payload: Buffer.concat(chunks) }));
          reply.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  /** Resolves with dynalite's status once it has answered, i.e. once the operation is done. */
  private forward(req: IncomingMessage, res: ServerResponse, body?: Buffer): Promise<number> {
    return new Promise((resolve) => {
      const upstream = httpRequest(
        {
          agent: this.agent,
          host: '127.0.0.1',
          port: this.upstreamPort,
          method: req.method,
          path: req.url,
          headers: body ? forwardHeaders(req.headers, body) : streamHeaders(req.headers),
        },
        (reply) => {
          const status = reply.statusCode ?? 502;
          resolve(status);
          res.on('close', () => {
            if (!reply.complete) reply.destroy();
          });
          res.writeHead(status, responseHeaders(reply.headers));
          reply.pipe(res);
        },
      );
      upstream.on('error', (err) => {
        resolve(502);
        if (res.headersSent) res.destroy();
        else sendJson(res, 500, { __type: `${NS}InternalServerError`, message: `Local DynamoDB is unreachable: ${err.message}` });
      });
      if (body) upstream.end(body);
      else req.pipe(upstream);
    });
  }
}

const BUFFERED_OPERATIONS = new Set([
  'TransactWriteItems',
  'TransactGetItems',
  'UpdateTimeToLive',
  'DescribeTimeToLive',
  'ListTables',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'GetItem',
  'BatchGetItem',
  'CreateTable',
  'UpdateTable',
  'DeleteTable',
]);

/** FIFO mutexes by item; several keys are always taken in sorted order, so two holders never wait on each other. */
class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  get idle(): boolean {
    return this.tails.size === 0;
  }

  async acquire(keys: Iterable<string>): Promise<() => void> {
    const releases: (() => void)[] = [];
    for (const key of [...new Set(keys)].sort()) releases.push(await this.one(key));
    return () => {
      for (const release of releases) release();
    };
  }

  /** Waits for the holders queued now, without holding anything afterwards. */
  async waitFor(keys: string[]): Promise<void> {
    if (!keys.some((key) => this.tails.has(key))) return;
    (await this.acquire(keys))();
  }

  private one(key: string): Promise<() => void> {
    const previous = this.tails.get(key);
    let open: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => {
      open = resolve;
    });
    const tail = previous ? previous.then(() => mine) : mine;
    this.tails.set(key, tail);
    const release = (): void => {
      open();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    return previous ? previous.then(() => release) : Promise.resolve(release);
  }
}

function tableInfo(name: string, reply: Json): TableInfo {
  const description = asRecord(reply.Table) ?? {};
  const definitions = Array.isArray(description.AttributeDefinitions) ? description.AttributeDefinitions.filter(isRecord) : [];
  const schema = Array.isArray(description.KeySchema) ? description.KeySchema.filter(isRecord) : [];
  // DynamoDB puts the hash key first whatever order the table was created with.
  const ordered = [...schema.filter((k) => k.KeyType === 'HASH'), ...schema.filter((k) => k.KeyType === 'RANGE')];
  const key = ordered.map((k) => {
    const definition = definitions.find((d) => d.AttributeName === k.AttributeName);
    return { name: String(k.AttributeName), type: String(definition?.AttributeType ?? 'S') };
  });
  const localIndexes = Array.isArray(description.LocalSecondaryIndexes) && description.LocalSecondaryIndexes.length > 0;
  return { name, key, description, localIndexes };
}

function keyOf(table: TableInfo, source: unknown): Json | undefined {
  if (!isRecord(source)) return undefined;
  const key: Json = {};
  for (const attr of table.key) {
    const value = source[attr.name];
    if (!isRecord(value) || typeof value[attr.type] !== 'string') return undefined;
    key[attr.name] = { [attr.type]: value[attr.type] };
  }
  return key;
}

/** The item's identity as DynamoDB sees it: 1, 1.0 and 1e0 are one number key. */
function lockKey(table: TableInfo, source: unknown): string | undefined {
  if (!isRecord(source)) return undefined;
  const parts = [table.name];
  for (const attr of table.key) {
    const value = source[attr.name];
    const scalar = isRecord(value) ? value[attr.type] : undefined;
    if (typeof scalar !== 'string') return undefined;
    parts.push(attr.type === 'N' ? canonicalNumber(scalar) : attr.type === 'B' ? Buffer.from(scalar, 'base64').toString('base64') : scalar);
  }
  return parts.join('\u0000');
}

function canonicalNumber(text: string): string {
  const match = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!match) return text;
  const whole = match[2] ?? '';
  let digits = whole + (match[3] ?? '');
  let exponent = Number(match[4] ?? 0) + whole.length;
  const leading = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(leading).replace(/0+$/, '');
  exponent -= leading;
  if (digits === '') return '0';
  return `${match[1] === '-' ? '-' : ''}0.${digits}e${exponent}`;
}

function transactItems(value: unknown): Json[] {
  if (!Array.isArray(value)) throw missing('transactItems');
  if (value.length < 1 || value.length > MAX_TRANSACT_ITEMS) {
    const bound = value.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_TRANSACT_ITEMS}`;
    throw validation(
      `1 validation error detected: Value '[${value.length} items]' at 'transactItems' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  return value.map((item, i) => {
    if (!isRecord(item)) throw missing(`transactItems.${i + 1}.member`);
    return item;
  });
}

function enumOption(input: Json, field: string, allowed: string[]): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    const path = field[0]?.toLowerCase() + field.slice(1);
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return value;
}

/**
 * As DynamoDB Local 3.3.1 answers (and the PutItem examples in the DynamoDB API reference):
 * CapacityUnits only, and per table under INDEXES — no Read/WriteCapacityUnits breakdown.
 */
function consumedCapacity(usage: { table: string; units: number }[], mode: string): Json[] {
  const totals = new Map<string, number>();
  // Transactional reads and writes cost twice the plain ones.
  for (const { table, units } of usage) totals.set(table, (totals.get(table) ?? 0) + 2 * units);
  return [...totals].map(([TableName, CapacityUnits]) => ({
    TableName,
    CapacityUnits,
    ...(mode === 'INDEXES' ? { Table: { CapacityUnits } } : {}),
  }));
}

function scratchName(table: string): string {
  const plain = SCRATCH_PREFIX + table;
  return plain.length <= MAX_TABLE_NAME ? plain : SCRATCH_PREFIX + createHash('sha256').update(table).digest('hex');
}

function isScratchName(name: unknown): boolean {
  return typeof name === 'string' && name.startsWith(SCRATCH_PREFIX);
}

function fromReply(reply: Reply): ServiceError {
  const payload = typeof reply.body.__type === 'string' ? reply.body : { __type: `${NS}InternalServerError`, message: 'Unexpected reply from dynalite' };
  return new ServiceError(reply.status === 200 ? 500 : reply.status, payload);
}

function shortType(type: unknown): string {
  const text = typeof type === 'string' ? type : '';
  return text.slice(text.indexOf('#') + 1);
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Json | undefined {
  return isRecord(value) ? value : undefined;
}

function tryParse(body: Buffer): Json | undefined {
  try {
    return asRecord(JSON.parse(body.toString('utf8')));
  } catch {
    return undefined;
  }
}

function parseInput(body: Buffer): Json {
  const input = body.length > 0 ? tryParse(body) : undefined;
  if (!input) throw new ServiceError(400, { __type: SERIALIZATION });
  return input;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function streamHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && (name === 'transfer-encoding' || !HOP_BY_HOP.has(name))) out[name] = value;
  }
  return out;
}

function forwardHeaders(headers: IncomingHttpHeaders, body: Buffer): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  out['content-length'] = String(body.length);
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, payload: Json): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(body),
    // Like dynalite and DynamoDB; SDK v2 clients verify it.
    'x-amz-crc32': String(crc32(body)),
    'x-amzn-requestid': randomBytes(39).toString('base64').toUpperCase().replace(/[+/]/g, '0'),
  });
  res.end(body);
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

function urlHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return '127.0.0.1';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
