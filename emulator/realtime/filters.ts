// Which published events a subscription receives. Basic filtering: the subscription's arguments
// must equal the same-named fields of the mutation's result (RTD). Enhanced filtering: the
// filterGroup a subscription resolver set with extensions.setSubscriptionFilter, which replaces
// basic filtering (EF, EXT; https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-enhanced-filtering.html
// and extensions-js.html, checked 2026-11-30). Invalidation filters use the same syntax (INV).

export interface Filter {
  fieldName: string;
  operator: string;
  value: unknown;
}

export interface FilterGroup {
  filterGroup: { filters: Filter[] }[];
}

export const OPERATORS = ['eq', 'ne', 'le', 'lt', 'ge', 'gt', 'contains', 'notContains', 'beginsWith', 'in', 'notIn', 'between', 'containsAny'] as const;

/** EF/EXT limits. */
export const FILTER_LIMITS = { fieldsPerFilter: 5, filtersPerGroup: 10, inValues: 5, containsAnyValues: 20, stringLength: 256, depth: 5 };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The filter as AppSync would apply it, or why it is refused. Rules nested deeper than 5 levels
 * are dropped, as AppSync ignores them (EF); everything else over a limit is refused.
 */
export function checkFilter(value: unknown): { ok: true; filter: FilterGroup; ignored: string[] } | { ok: false; reason: string } {
  if (!isRecord(value) || !Array.isArray(value.filterGroup)) return { ok: false, reason: 'A subscription filter is an object with a filterGroup array.' };
  const ignored: string[] = [];
  const groups: FilterGroup['filterGroup'] = [];
  for (const [g, group] of value.filterGroup.entries()) {
    if (!isRecord(group) || !Array.isArray(group.filters)) return { ok: false, reason: `filterGroup[${g}] has no filters array.` };
    const filters: Filter[] = [];
    let count = 0;
    for (const f of group.filters) {
      if (!isRecord(f) || typeof f.fieldName !== 'string' || typeof f.operator !== 'string') return { ok: false, reason: `filterGroup[${g}] has a filter without fieldName and operator.` };
      const filter: Filter = { fieldName: f.fieldName, operator: f.operator, value: f.value };
      if (!(OPERATORS as readonly string[]).includes(filter.operator)) return { ok: false, reason: `Unknown filter operator ${filter.operator} (operators are case-sensitive: ${OPERATORS.join(', ')}).` };
      if (filter.fieldName.length > FILTER_LIMITS.stringLength) return { ok: false, reason: `The field name ${filter.fieldName.slice(0, 40)}… is over ${FILTER_LIMITS.stringLength} characters.` };
      if (filter.fieldName.split('.').length > FILTER_LIMITS.depth) {
        ignored.push(filter.fieldName);
        continue;
      }
      const values = Array.isArray(filter.value) ? filter.value : [filter.value];
      if (values.some((v) => typeof v === 'string' && v.length > FILTER_LIMITS.stringLength)) return { ok: false, reason: `A value of ${filter.fieldName} is over ${FILTER_LIMITS.stringLength} characters.` };
      if (['in', 'notIn', 'containsAny', 'between'].includes(filter.operator) && !Array.isArray(filter.value)) return { ok: false, reason: `${filter.operator} on ${filter.fieldName} takes a list.` };
      if ((filter.operator === 'in' || filter.operator === 'notIn') && values.length > FILTER_LIMITS.inValues) return { ok: false, reason: `${filter.operator} on ${filter.fieldName} has ${values.length} values; at most ${FILTER_LIMITS.inValues} are allowed.` };
      if (filter.operator === 'containsAny' && values.length > FILTER_LIMITS.containsAnyValues) return { ok: false, reason: `containsAny on ${filter.fieldName} has ${values.length} values; at most ${FILTER_LIMITS.containsAnyValues} are allowed.` };
      if (filter.operator === 'between' && values.length !== 2) return { ok: false, reason: `between on ${filter.fieldName} takes two values.` };
      // Each value of `in` counts as a filter of its own (EF).
      count += filter.operator === 'in' ? values.length : 1;
      filters.push(filter);
    }
    const fields = new Set(filters.map((f) => f.fieldName));
    if (fields.size > FILTER_LIMITS.fieldsPerFilter) return { ok: false, reason: `filterGroup[${g}] filters on ${fields.size} fields; at most ${FILTER_LIMITS.fieldsPerFilter} are allowed.` };
    if (count > FILTER_LIMITS.filtersPerGroup) return { ok: false, reason: `filterGroup[${g}] has ${count} filters (each value of in counts); at most ${FILTER_LIMITS.filtersPerGroup} are allowed.` };
    groups.push({ filters });
  }
  return { ok: true, filter: { filterGroup: groups }, ignored };
}

/** The value at a dotted path, or undefined when any step is missing. */
function at(payload: unknown, path: string): unknown {
  let value: unknown = payload;
  for (const step of path.split('.')) {
    if (!isRecord(value) || !Object.hasOwn(value, step)) return undefined;
    value = value[step];
  }
  return value;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** Order between two numbers or two strings (case-sensitive), else null: nothing else compares. */
function order(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}
const holds = (o: number | null, test: (n: number) => boolean) => o !== null && test(o);

function test(filter: Filter, payload: unknown): boolean {
  const actual = at(payload, filter.fieldName);
  // A field the event does not carry matches no operator (the mutation did not select it: §5.2).
  if (actual === undefined) return false;
  const expected = filter.value;
  const list = Array.isArray(expected) ? expected : [expected];
  switch (filter.operator) {
    case 'eq':
      return same(actual, expected);
    case 'ne':
      return !same(actual, expected);
    case 'lt':
      return holds(order(actual, expected), (o) => o < 0);
    case 'le':
      return holds(order(actual, expected), (o) => o <= 0);
    case 'gt':
      return holds(order(actual, expected), (o) => o > 0);
    case 'ge':
      return holds(order(actual, expected), (o) => o >= 0);
    case 'contains':
      return typeof actual === 'string' ? typeof expected === 'string' && actual.includes(expected) : Array.isArray(actual) && actual.some((a) => same(a, expected));
    case 'notContains':
      return typeof actual === 'string' ? typeof expected === 'string' && !actual.includes(expected) : Array.isArray(actual) && !actual.some((a) => same(a, expected));
    case 'beginsWith':
      return typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected);
    case 'in':
      return list.some((v) => same(actual, v));
    case 'notIn':
      return !list.some((v) => same(actual, v));
    case 'between':
      return holds(order(actual, list[0]), (o) => o >= 0) && holds(order(actual, list[1]), (o) => o <= 0);
    case 'containsAny':
      return Array.isArray(actual) ? actual.some((a) => list.some((v) => same(a, v))) : list.some((v) => same(actual, v));
    default:
      return false;
  }
}

/** Filters inside one group are AND-ed; the groups are OR-ed. A list at the top level is never filterable (EF). */
export function matchesFilter(filter: FilterGroup, payload: unknown): boolean {
  if (Array.isArray(payload)) return false;
  return filter.filterGroup.some((group) => group.filters.every((f) => test(f, payload)));
}

/**
 * Basic filtering: every argument the client gave must equal the same-named field of the
 * mutation's result; an explicit null matches only a null or absent field (RTD).
 */
export function matchesArguments(args: Record<string, unknown>, payload: unknown): boolean {
  if (!isRecord(payload)) return Object.keys(args).length === 0;
  return Object.entries(args).every(([name, value]) => {
    const actual = payload[name];
    if (value === null) return actual === null || actual === undefined;
    return actual !== undefined && same(actual, value);
  });
}
