// DynamoDB-typed values and filter-object rendering shared by util.dynamodb, util.transform and the ddb helper module.

/**
 * A DynamoDB attribute value as APPSYNC_JS produces it. Unlike the wire format, `N`/`NS` carry
 * JSON numbers and `NULL` carries `null` (AWS EvaluateCode output, APPSYNC.md §0.5), so the data
 * source must convert these before calling DynamoDB.
 */
export type DynamoDbAttributeValue =
  | { S: string }
  | { N: number }
  | { BOOL: boolean }
  | { NULL: null }
  | { L: DynamoDbAttributeValue[] }
  | { M: Record<string, DynamoDbAttributeValue> }
  | { SS: string[] }
  | { NS: number[] }
  | { B: string }
  | { BS: string[] };

export type DynamoDbAttributeMap = Record<string, DynamoDbAttributeValue>;

/** An expression with its placeholders, the shape of every `condition`/`filter`/`query` section. */
export interface RenderedExpression {
  expression: string;
  expressionNames: Record<string, string>;
  expressionValues: DynamoDbAttributeMap;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** util.dynamodb.toDynamoDB: arrays always become `L`, never sets (AppSync is opinionated here). */
export function toDynamoDB(value: unknown): DynamoDbAttributeValue {
  if (value === null || value === undefined) return { NULL: null };
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      return { N: value };
    case 'boolean':
      return { BOOL: value };
    case 'object':
      if (Array.isArray(value)) return { L: value.map((item) => toDynamoDB(item)) };
      return { M: convertEntries(value as Record<string, unknown>) };
    default:
      throw new TypeError(`Cannot convert a ${typeof value} to a DynamoDB attribute value`);
  }
}

/** util.dynamodb.toMapValues; `null` for anything that is not a map, as the published types declare. */
export function toMapValues(value: unknown): DynamoDbAttributeMap | null {
  return isPlainObject(value) ? convertEntries(value) : null;
}

function convertEntries(value: Record<string, unknown>): DynamoDbAttributeMap {
  const out: DynamoDbAttributeMap = {};
  for (const [key, item] of Object.entries(value)) {
    // A key holding `undefined` never survives AppSync's JSON boundary, so it is not an attribute.
    if (item === undefined) continue;
    out[key] = toDynamoDB(item);
  }
  return out;
}

const ATTRIBUTE_TYPE_CODES: Readonly<Record<string, string>> = {
  _null: 'NULL',
  string: 'S',
  stringSet: 'SS',
  number: 'N',
  numberSet: 'NS',
  binary: 'B',
  binarySet: 'BS',
  boolean: 'BOOL',
  list: 'L',
  map: 'M',
};

const COMPARATORS: Readonly<Record<string, string>> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };

const FUNCTIONS: Readonly<Record<string, string>> = {
  contains: 'contains',
  notContains: 'NOT contains',
  beginsWith: 'begins_with',
};

/** Operators a DynamoDB key condition accepts (APPSYNC.md §2.7). */
export const KEY_CONDITION_OPERATORS: ReadonlySet<string> = new Set(['eq', 'le', 'lt', 'ge', 'gt', 'between', 'beginsWith']);

export interface RenderOptions {
  /** Leading parts of every value placeholder, used to keep two rendered expressions apart. */
  prefix?: readonly string[];
  /** Restricts the per-attribute operators (key conditions); `and`/`or`/`not`/`size` are then refused too. */
  operators?: ReadonlySet<string>;
}

class UnrenderableFilter extends Error {}

/**
 * Renders a DynamoDBFilterObject the way util.transform.toDynamoDBFilterExpression does on AWS,
 * down to its quirks (dangling joiners, `(null)` for an empty `in`): every rule here is pinned by
 * the EvaluateCode snapshots in localstack/appsync-utils `__tests__/__snapshots__/transform.test.js.snap`.
 * Returns `null` where AWS answers `null` (a filter it cannot render).
 */
export function renderFilterObject(filter: unknown, options: RenderOptions = {}): RenderedExpression | null {
  const state: RenderState = { names: {}, values: {}, operators: options.operators };
  try {
    const expression = renderObject(filter, [...(options.prefix ?? [])], state);
    return { expression, expressionNames: state.names, expressionValues: state.values };
  } catch (error) {
    if (error instanceof UnrenderableFilter) return null;
    throw error;
  }
}

interface RenderState {
  names: Record<string, string>;
  values: DynamoDbAttributeMap;
  operators: ReadonlySet<string> | undefined;
}

function group(parts: string[], joiner: 'AND' | 'OR'): string {
  if (parts.length === 0) return '';
  if (parts.length === 1) return parts[0];
  return `(${parts.join(` ${joiner} `)})`;
}

function renderObject(filter: unknown, prefix: string[], state: RenderState): string {
  if (!isPlainObject(filter)) throw new UnrenderableFilter();
  const parts: string[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if ((key === 'and' || key === 'or') && state.operators === undefined) {
      if (!Array.isArray(value)) throw new UnrenderableFilter();
      const members = value.map((member: unknown, index) => renderObject(member, [...prefix, key, String(index)], state));
      parts.push(group(members, key === 'and' ? 'AND' : 'OR'));
    } else if (key === 'not' && state.operators === undefined) {
      parts.push(`(NOT ${renderObject(value, [...prefix, 'not'], state)})`);
    } else {
      parts.push(renderAttribute(key, value, prefix, state));
    }
  }
  // Top-level members are joined but not wrapped; AWS wraps only groups and multi-operator fields.
  return parts.join(' AND ');
}

function renderAttribute(name: string, operations: unknown, prefix: string[], state: RenderState): string {
  if (!isPlainObject(operations)) throw new UnrenderableFilter();
  const placeholder = `#${name}`;
  state.names[placeholder] = name;
  return renderOperations(placeholder, operations, [...prefix, name], state);
}

function renderOperations(
  operand: string,
  operations: Record<string, unknown>,
  valueParts: string[],
  state: RenderState,
): string {
  const parts: string[] = [];
  for (const [operator, argument] of Object.entries(operations)) {
    if (argument === undefined) continue;
    if (state.operators !== undefined && !state.operators.has(operator)) throw new UnrenderableFilter();
    const valueName = `:${[...valueParts, operator].join('_')}`;
    const comparator = COMPARATORS[operator];
    const fn = FUNCTIONS[operator];
    if (comparator !== undefined) {
      state.values[valueName] = toDynamoDB(argument);
      parts.push(`(${operand} ${comparator} ${valueName})`);
    } else if (fn !== undefined) {
      state.values[valueName] = toDynamoDB(argument);
      parts.push(`(${fn}(${operand},${valueName}))`);
    } else if (operator === 'between') {
      // AWS ignores bounds past the second one but refuses fewer than two.
      if (!Array.isArray(argument) || argument.length < 2) throw new UnrenderableFilter();
      state.values[`${valueName}_start`] = toDynamoDB(argument[0]);
      state.values[`${valueName}_end`] = toDynamoDB(argument[1]);
      parts.push(`(${operand} BETWEEN ${valueName}_start AND ${valueName}_end)`);
    } else if (operator === 'in') {
      if (!Array.isArray(argument)) throw new UnrenderableFilter();
      if (argument.length === 0) {
        parts.push('(null)');
      } else {
        const names = argument.map((item: unknown, index) => {
          state.values[`${valueName}_${index}`] = toDynamoDB(item);
          return `${valueName}_${index}`;
        });
        parts.push(`(${operand} IN (${names.join(', ')}))`);
      }
    } else if (operator === 'attributeExists') {
      if (typeof argument !== 'boolean') throw new UnrenderableFilter();
      parts.push(`(${argument ? 'attribute_exists' : 'attribute_not_exists'}(${operand}))`);
    } else if (operator === 'attributeType') {
      const code = typeof argument === 'string' && Object.hasOwn(ATTRIBUTE_TYPE_CODES, argument) ? ATTRIBUTE_TYPE_CODES[argument] : undefined;
      if (code === undefined) throw new UnrenderableFilter();
      state.values[valueName] = { S: code };
      parts.push(`(attribute_type(${operand},${valueName}))`);
    } else if (operator === 'size') {
      if (!isPlainObject(argument)) throw new UnrenderableFilter();
      // A nested `size` adds to the placeholder name but AWS does not nest the size() call.
      const sizeOperand = operand.startsWith('size(') ? operand : `size(${operand})`;
      parts.push(renderOperations(sizeOperand, argument, [...valueParts, 'size'], state));
    } else {
      throw new UnrenderableFilter();
    }
  }
  return group(parts, 'AND');
}
