// The run-time `@aws-appsync/utils/dynamodb` module: plain JS inputs in, typed DynamoDB request objects out.
import {
  isPlainObject,
  KEY_CONDITION_OPERATORS,
  renderFilterObject,
  toDynamoDB,
  toMapValues,
  type DynamoDbAttributeMap,
  type RenderedExpression,
} from './dynamodb-values.ts';

/**
 * What `operations.*` return at run time. AWS EvaluateCode shows `{type:'OPERATION_INCREMENT', by:10}`
 * and friends (APPSYNC.md §2.7), not the `{_type:'increment'}` the published .d.ts declares.
 */
export type UpdateOperation =
  | { type: 'OPERATION_INCREMENT'; by: number }
  | { type: 'OPERATION_DECREMENT'; by: number }
  | { type: 'OPERATION_ADD'; value: unknown }
  | { type: 'OPERATION_REPLACE'; value: unknown }
  | { type: 'OPERATION_REMOVE' }
  | { type: 'OPERATION_APPEND'; items: unknown[] }
  | { type: 'OPERATION_PREPEND'; items: unknown[] }
  | { type: 'OPERATION_UPDATE_LIST_ITEM'; value: unknown; index: number };

const OPERATION_TYPES: ReadonlySet<string> = new Set([
  'OPERATION_INCREMENT',
  'OPERATION_DECREMENT',
  'OPERATION_ADD',
  'OPERATION_REPLACE',
  'OPERATION_REMOVE',
  'OPERATION_APPEND',
  'OPERATION_PREPEND',
  'OPERATION_UPDATE_LIST_ITEM',
]);

export const operations = {
  add: (value: unknown): UpdateOperation => ({ type: 'OPERATION_ADD', value }),
  remove: (): UpdateOperation => ({ type: 'OPERATION_REMOVE' }),
  replace: (value: unknown): UpdateOperation => ({ type: 'OPERATION_REPLACE', value }),
  increment: (by = 1): UpdateOperation => ({ type: 'OPERATION_INCREMENT', by }),
  decrement: (by = 1): UpdateOperation => ({ type: 'OPERATION_DECREMENT', by }),
  append: (items: unknown[]): UpdateOperation => ({ type: 'OPERATION_APPEND', items }),
  prepend: (items: unknown[]): UpdateOperation => ({ type: 'OPERATION_PREPEND', items }),
  updateListItem: (value: unknown, index: number): UpdateOperation => ({ type: 'OPERATION_UPDATE_LIST_ITEM', value, index }),
};

function isOperation(value: unknown): value is UpdateOperation {
  return isPlainObject(value) && typeof value.type === 'string' && OPERATION_TYPES.has(value.type);
}

/** An expression section as it appears in a request, with empty maps left out because DynamoDB rejects them. */
export interface ExpressionSection {
  expression: string;
  expressionNames?: Record<string, string>;
  expressionValues?: DynamoDbAttributeMap;
}

function section(rendered: RenderedExpression): ExpressionSection {
  const out: ExpressionSection = { expression: rendered.expression };
  if (Object.keys(rendered.expressionNames).length > 0) out.expressionNames = rendered.expressionNames;
  if (Object.keys(rendered.expressionValues).length > 0) out.expressionValues = rendered.expressionValues;
  return out;
}

function requireKey(helper: string, key: unknown): DynamoDbAttributeMap {
  const typed = toMapValues(key);
  if (typed === null) throw new TypeError(`ddb.${helper}: key must be an object`);
  return typed;
}

function requireItem(helper: string, item: unknown): DynamoDbAttributeMap {
  const typed = toMapValues(item ?? {});
  if (typed === null) throw new TypeError(`ddb.${helper}: item must be an object`);
  return typed;
}

/** Renders a condition/filter object; undefined when there is nothing to send, an error where AWS rejects it. */
function filterSection(helper: string, what: string, filter: unknown, prefix: readonly string[] = []): ExpressionSection | undefined {
  if (filter === undefined || filter === null) return undefined;
  const rendered = renderFilterObject(filter, { prefix });
  if (rendered === null) throw new TypeError(`ddb.${helper}: ${what} is not a valid DynamoDB filter object`);
  return rendered.expression === '' ? undefined : section(rendered);
}

/** Projection paths like `a.b[1]` become `#a.#b[1]`, with one placeholder per path segment. */
function projectionSection(projection: unknown): { expression: string; expressionNames: Record<string, string> } | undefined {
  if (!Array.isArray(projection) || projection.length === 0) return undefined;
  const expressionNames: Record<string, string> = {};
  const paths = projection.map((path: unknown) =>
    String(path)
      .split('.')
      .map((segment) => {
        const match = /^([^[\]]+)((?:\[\d+\])*)$/.exec(segment);
        if (match === null) throw new TypeError(`ddb: invalid projection path '${String(path)}'`);
        expressionNames[`#${match[1]}`] = match[1];
        return `#${match[1]}${match[2]}`;
      })
      .join('.'),
  );
  return { expression: paths.join(', '), expressionNames };
}

/** Copies the optional request fields that were actually given (null means "not given" for GraphQL arguments). */
function copyDefined(target: Record<string, unknown>, source: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    if (source[name] !== undefined && source[name] !== null) target[name] = source[name];
  }
}

function asInput(helper: string, payload: unknown): Record<string, unknown> {
  if (!isPlainObject(payload)) throw new TypeError(`ddb.${helper}: expected an input object`);
  return payload;
}

const VERSIONING_FIELDS = ['customPartitionKey', 'populateIndexFields', '_version'] as const;

export function get(payload: unknown): Record<string, unknown> {
  const input = asInput('get', payload);
  const request: Record<string, unknown> = { operation: 'GetItem', key: requireKey('get', input.key) };
  copyDefined(request, input, ['consistentRead']);
  const projection = projectionSection(input.projection);
  if (projection !== undefined) request.projection = projection;
  return request;
}

export function put(payload: unknown): Record<string, unknown> {
  const input = asInput('put', payload);
  // Key and item stay apart, as AWS emits them: ddb.put({key:{id:'abc'},item:{value:10}}) has only `value` in attributeValues.
  const request: Record<string, unknown> = {
    operation: 'PutItem',
    key: requireKey('put', input.key),
    attributeValues: requireItem('put', input.item),
  };
  const condition = filterSection('put', 'condition', input.condition);
  if (condition !== undefined) request.condition = condition;
  copyDefined(request, input, VERSIONING_FIELDS);
  return request;
}

export function remove(payload: unknown): Record<string, unknown> {
  const input = asInput('remove', payload);
  const request: Record<string, unknown> = { operation: 'DeleteItem', key: requireKey('remove', input.key) };
  const condition = filterSection('remove', 'condition', input.condition);
  if (condition !== undefined) request.condition = condition;
  copyDefined(request, input, VERSIONING_FIELDS);
  return request;
}

/**
 * Builds the update expression the way AWS does: `SET #expName_1 = :expValue_1, …` with one
 * placeholder pair per attribute in input order, `null` stored as NULL (not removed), and only
 * operations.remove() producing `REMOVE`. A nested plain object updates paths inside the map
 * (what the `DynamoDBUpdateObject` type describes); use operations.replace to overwrite a map.
 */
export function buildUpdateExpression(update: unknown): ExpressionSection {
  if (!isPlainObject(update)) throw new TypeError('ddb.update: update must be an object');
  const sets: string[] = [];
  const removes: string[] = [];
  const names: Record<string, string> = {};
  const placeholderFor = new Map<string, string>();
  const values: DynamoDbAttributeMap = {};
  let valueCount = 0;

  const name = (attribute: string): string => {
    let placeholder = placeholderFor.get(attribute);
    if (placeholder === undefined) {
      placeholder = `#expName_${placeholderFor.size + 1}`;
      placeholderFor.set(attribute, placeholder);
      names[placeholder] = attribute;
    }
    return placeholder;
  };
  const value = (raw: unknown): string => {
    valueCount += 1;
    const placeholder = `:expValue_${valueCount}`;
    values[placeholder] = toDynamoDB(raw);
    return placeholder;
  };
  const apply = (path: string, operation: UpdateOperation): void => {
    switch (operation.type) {
      case 'OPERATION_INCREMENT':
        sets.push(`${path} = ${path} + ${value(operation.by)}`);
        return;
      case 'OPERATION_DECREMENT':
        sets.push(`${path} = ${path} - ${value(operation.by)}`);
        return;
      case 'OPERATION_ADD':
      case 'OPERATION_REPLACE':
        sets.push(`${path} = ${value(operation.value)}`);
        return;
      case 'OPERATION_APPEND':
        sets.push(`${path} = list_append(${path}, ${value(operation.items)})`);
        return;
      case 'OPERATION_PREPEND':
        sets.push(`${path} = list_append(${value(operation.items)}, ${path})`);
        return;
      case 'OPERATION_REMOVE':
        removes.push(path);
        return;
      case 'OPERATION_UPDATE_LIST_ITEM':
        sets.push(`${path}[${Math.trunc(operation.index)}] = ${value(operation.value)}`);
        return;
    }
  };
  const walk = (object: Record<string, unknown>, parent: string | undefined): void => {
    for (const [attribute, raw] of Object.entries(object)) {
      if (raw === undefined) continue;
      const path = parent === undefined ? name(attribute) : `${parent}.${name(attribute)}`;
      if (isOperation(raw)) {
        apply(path, raw);
      } else if (Array.isArray(raw) && raw.length > 0 && raw.every((item: unknown) => isOperation(item) && item.type === 'OPERATION_UPDATE_LIST_ITEM')) {
        for (const item of raw as UpdateOperation[]) apply(path, item);
      } else if (isPlainObject(raw)) {
        walk(raw, path);
      } else {
        sets.push(`${path} = ${value(raw)}`);
      }
    }
  };
  walk(update, undefined);

  const clauses: string[] = [];
  if (sets.length > 0) clauses.push(`SET ${sets.join(', ')}`);
  if (removes.length > 0) clauses.push(`REMOVE ${removes.join(', ')}`);
  return section({ expression: clauses.join(' '), expressionNames: names, expressionValues: values });
}

export function update(payload: unknown): Record<string, unknown> {
  const input = asInput('update', payload);
  const request: Record<string, unknown> = {
    operation: 'UpdateItem',
    key: requireKey('update', input.key),
    update: buildUpdateExpression(input.update),
  };
  const condition = filterSection('update', 'condition', input.condition);
  if (condition !== undefined) request.condition = condition;
  copyDefined(request, input, VERSIONING_FIELDS);
  return request;
}

const READ_FIELDS = ['index', 'limit', 'nextToken', 'consistentRead', 'select'] as const;

export function scan(payload: unknown): Record<string, unknown> {
  const input = asInput('scan', payload);
  const request: Record<string, unknown> = { operation: 'Scan' };
  copyDefined(request, input, [...READ_FIELDS, 'totalSegments', 'segment']);
  const filter = filterSection('scan', 'filter', input.filter);
  if (filter !== undefined) request.filter = filter;
  const projection = projectionSection(input.projection);
  if (projection !== undefined) request.projection = projection;
  return request;
}

export function query(payload: unknown): Record<string, unknown> {
  const input = asInput('query', payload);
  const keyCondition = renderFilterObject(input.query, { operators: KEY_CONDITION_OPERATORS });
  if (keyCondition === null || keyCondition.expression === '') {
    throw new TypeError('ddb.query: query must map key attributes to eq, le, lt, ge, gt, between or beginsWith');
  }
  const request: Record<string, unknown> = { operation: 'Query', query: section(keyCondition) };
  copyDefined(request, input, [...READ_FIELDS, 'scanIndexForward']);
  // Key condition and filter share one ExpressionAttributeValues map in DynamoDB, so a filter on the
  // same attribute and operator as the key condition must not reuse its placeholder.
  let filter = filterSection('query', 'filter', input.filter);
  const clashes = Object.keys(filter?.expressionValues ?? {}).some((placeholder) => Object.hasOwn(keyCondition.expressionValues, placeholder));
  if (clashes) filter = filterSection('query', 'filter', input.filter, ['filter']);
  if (filter !== undefined) request.filter = filter;
  const projection = projectionSection(input.projection);
  if (projection !== undefined) request.projection = projection;
  return request;
}

function tablesOf(helper: string, payload: unknown): [string, unknown][] {
  const input = asInput(helper, payload);
  if (!isPlainObject(input.tables)) throw new TypeError(`ddb.${helper}: tables must map table names to their entries`);
  return Object.entries(input.tables);
}

function listOf(helper: string, table: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`ddb.${helper}: tables.${table} must be a list`);
  return value;
}

export function batchGet(payload: unknown): Record<string, unknown> {
  const tables: Record<string, unknown> = {};
  for (const [table, config] of tablesOf('batchGet', payload)) {
    if (!isPlainObject(config)) throw new TypeError(`ddb.batchGet: tables.${table} must be an object with keys`);
    const entry: Record<string, unknown> = {
      keys: listOf('batchGet', `${table}.keys`, config.keys).map((key) => requireKey('batchGet', key)),
    };
    copyDefined(entry, config, ['consistentRead']);
    const projection = projectionSection(config.projection);
    if (projection !== undefined) entry.projection = projection;
    tables[table] = entry;
  }
  return { operation: 'BatchGetItem', tables };
}

export function batchPut(payload: unknown): Record<string, unknown> {
  const tables: Record<string, unknown> = {};
  for (const [table, items] of tablesOf('batchPut', payload)) {
    tables[table] = listOf('batchPut', table, items).map((item) => requireItem('batchPut', item));
  }
  return { operation: 'BatchPutItem', tables };
}

export function batchDelete(payload: unknown): Record<string, unknown> {
  const tables: Record<string, unknown> = {};
  for (const [table, keys] of tablesOf('batchDelete', payload)) {
    tables[table] = listOf('batchDelete', table, keys).map((key) => requireKey('batchDelete', key));
  }
  return { operation: 'BatchDeleteItem', tables };
}

function itemsOf(helper: string, payload: unknown): unknown[] {
  const input = asInput(helper, payload);
  if (!Array.isArray(input.items)) throw new TypeError(`ddb.${helper}: items must be a list`);
  return input.items;
}

function tableName(helper: string, entry: Record<string, unknown>): string {
  if (typeof entry.table !== 'string') throw new TypeError(`ddb.${helper}: every item needs a table name`);
  return entry.table;
}

export function transactGet(payload: unknown): Record<string, unknown> {
  const transactItems = itemsOf('transactGet', payload).map((raw) => {
    if (!isPlainObject(raw)) throw new TypeError('ddb.transactGet: every item must be an object');
    const item: Record<string, unknown> = { table: tableName('transactGet', raw), key: requireKey('transactGet', raw.key) };
    const projection = projectionSection(raw.projection);
    if (projection !== undefined) item.projection = projection;
    return item;
  });
  return { operation: 'TransactGetItems', transactItems };
}

export function transactWrite(payload: unknown): Record<string, unknown> {
  const transactItems = itemsOf('transactWrite', payload).map((raw) => {
    if (!isPlainObject(raw)) throw new TypeError('ddb.transactWrite: every item must be an object');
    const [kind, spec] = Object.entries(raw)[0] ?? [];
    if (!isPlainObject(spec)) throw new TypeError('ddb.transactWrite: every item must be one of putItem, updateItem, deleteItem, conditionCheck');
    const item: Record<string, unknown> = { table: tableName('transactWrite', spec) };
    switch (kind) {
      case 'putItem':
        item.operation = 'PutItem';
        item.key = requireKey('transactWrite', spec.key);
        item.attributeValues = requireItem('transactWrite', spec.item);
        break;
      case 'updateItem':
        item.operation = 'UpdateItem';
        item.key = requireKey('transactWrite', spec.key);
        item.update = buildUpdateExpression(spec.update);
        break;
      case 'deleteItem':
        item.operation = 'DeleteItem';
        item.key = requireKey('transactWrite', spec.key);
        break;
      case 'conditionCheck':
        item.operation = 'ConditionCheck';
        item.key = requireKey('transactWrite', spec.key);
        break;
      default:
        throw new TypeError(`ddb.transactWrite: unknown item kind '${String(kind)}'`);
    }
    const condition = filterSection('transactWrite', 'condition', spec.condition);
    if (condition !== undefined) item.condition = condition;
    return item;
  });
  return { operation: 'TransactWriteItems', transactItems };
}

export function toStringSet(values: string[]): { SS: string[] } {
  return { SS: [...values] };
}

// The helper .d.ts comment shows strings, but util.dynamodb.toNumberSet keeps numbers on AWS [A]; one converter for both.
export function toNumberSet(values: number[]): { NS: number[] } {
  return { NS: [...values] };
}

export function toBinarySet(values: string[]): { BS: string[] } {
  return { BS: [...values] };
}

/**
 * The module namespace resolver code sees. `sync` is deliberately absent: AWS refuses code that
 * calls it (TS2339 at evaluation), so a bundle using it must fail here too.
 */
export function createDynamoDbHelpers(): Record<string, unknown> {
  return {
    get,
    put,
    remove,
    update,
    query,
    scan,
    batchGet,
    batchPut,
    batchDelete,
    transactGet,
    transactWrite,
    toStringSet,
    toNumberSet,
    toBinarySet,
    operations,
  };
}
