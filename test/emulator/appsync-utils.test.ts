// Behaviour of the emulator's util/runtime/extensions and `@aws-appsync/utils/dynamodb`, pinned to AWS outputs where known.
import { describe, it, expect } from 'vitest';
import { createDynamoDbHelpers, operations } from '../../emulator/appsync-js/dynamodb-helpers.ts';
import { EarlyReturn, UtilError, type ResolverErrorRecord } from '../../emulator/appsync-js/signals.ts';
import { createRuntimeModule, type RuntimeHooks } from '../../emulator/appsync-js/util.ts';

const FEB_1_2021 = Date.parse('2021-02-01T00:00:00Z');

function setup(overrides: Partial<RuntimeHooks> = {}) {
  let now = FEB_1_2021;
  const appended: ResolverErrorRecord[] = [];
  const logs: { level: string; args: unknown[] }[] = [];
  const module = createRuntimeModule({
    now: () => now,
    authType: () => 'Lambda Authorization',
    fieldInfo: () => ({ fieldName: 'limit', parentTypeName: 'Usage' }),
    appendError: (record) => appended.push(record),
    log: (level, args) => logs.push({ level, args }),
    ...overrides,
  });
  return { ...module, appended, logs, setNow: (ms: number) => (now = ms) };
}

type Helper = (input: unknown) => Record<string, unknown>;
const ddb = createDynamoDbHelpers();
const helper = (name: string): Helper => ddb[name] as Helper;

describe('util.dynamodb', () => {
  const { util } = setup();

  // AWS outputs: localstack/appsync-utils __tests__/__snapshots__/index.test.js.snap (EvaluateCode), quoted in APPSYNC.md §1.4.
  it.each([
    ['toDynamoDB of a string', () => util.dynamodb.toDynamoDB('test'), { S: 'test' }],
    ['toDynamoDB of a number keeps a JSON number', () => util.dynamodb.toDynamoDB(12345), { N: 12345 }],
    ['toDynamoDB of a boolean', () => util.dynamodb.toDynamoDB(true), { BOOL: true }],
    ['toString', () => util.dynamodb.toString('test'), { S: 'test' }],
    ['toStringSet', () => util.dynamodb.toStringSet(['foo', 'bar', 'baz']), { SS: ['foo', 'bar', 'baz'] }],
    ['toNumber', () => util.dynamodb.toNumber(12345), { N: 12345 }],
    ['toNumberSet keeps numbers', () => util.dynamodb.toNumberSet([1, 23, 4.56]), { NS: [1, 23, 4.56] }],
    ['toBinary passes base64 through', () => util.dynamodb.toBinary('foo'), { B: 'foo' }],
    ['toBinarySet', () => util.dynamodb.toBinarySet(['foo', 'bar', 'baz']), { BS: ['foo', 'bar', 'baz'] }],
    ['toBoolean', () => util.dynamodb.toBoolean(true), { BOOL: true }],
    ['toNull', () => util.dynamodb.toNull(), { NULL: null }],
    [
      'toList converts each element',
      () => util.dynamodb.toList(['foo', 123, { bar: 'baz' }]),
      { L: [{ S: 'foo' }, { N: 123 }, { M: { bar: { S: 'baz' } } }] },
    ],
    [
      'toMap wraps the converted values in M',
      () => util.dynamodb.toMap({ foo: 'bar', baz: 1234, beep: ['boop'] }),
      { M: { foo: { S: 'bar' }, baz: { N: 1234 }, beep: { L: [{ S: 'boop' }] } } },
    ],
    [
      'toMapValues converts values without the M wrapper',
      () => util.dynamodb.toMapValues({ foo: 'bar', baz: 1234, beep: ['boop'] }),
      { foo: { S: 'bar' }, baz: { N: 1234 }, beep: { L: [{ S: 'boop' }] } },
    ],
    ['toS3Object with three parameters', () => util.dynamodb.toS3Object('foo', 'bar', 'baz'), { S: '{"s3":{"key":"foo","bucket":"bar","region":"baz"}}' }],
    [
      'toS3Object with a version',
      () => util.dynamodb.toS3Object('foo', 'bar', 'baz', 'beep'),
      { S: '{"s3":{"key":"foo","bucket":"bar","region":"baz","version":"beep"}}' },
    ],
  ])('%s matches the AWS output', (_name, run, expected) => {
    expect(run()).toStrictEqual(expected);
  });

  it('turns null into a NULL attribute whose value is null, as AWS EvaluateCode does', () => {
    expect(util.dynamodb.toDynamoDB(null)).toStrictEqual({ NULL: null });
    expect(util.dynamodb.toMapValues({ a: null, b: undefined })).toStrictEqual({ a: { NULL: null } });
  });

  it('reads back the map stored by toS3Object', () => {
    const stored = util.dynamodb.toS3Object('k', 'b', 'r', 'v');
    expect(util.dynamodb.fromS3ObjectJson(stored?.S ?? '')).toStrictEqual({ key: 'k', bucket: 'b', region: 'r', version: 'v' });
  });
});

describe('util.transform', () => {
  const { util } = setup();
  const filter = (input: unknown): unknown => {
    const out = util.transform.toDynamoDBFilterExpression(input);
    return out === null ? null : (JSON.parse(out) as unknown);
  };

  it('returns a JSON string, byte for byte as AWS does', () => {
    // AWS output: APPSYNC.md §1.4 / checklist item 5 (localstack/appsync-utils transform snapshot).
    expect(util.transform.toDynamoDBFilterExpression({ title: { contains: 'Hello World' } })).toBe(
      '{"expression":"(contains(#title,:title_contains))","expressionNames":{"#title":"title"},"expressionValues":{":title_contains":{"S":"Hello World"}}}',
    );
    expect(util.transform.toDynamoDBConditionExpression({ and: [{ id: { attributeExists: false } }] })).toBe(
      '{"expression":"(attribute_not_exists(#id))","expressionNames":{"#id":"id"},"expressionValues":{}}',
    );
  });

  // AWS outputs: localstack/appsync-utils __tests__/__snapshots__/transform.test.js.snap (EvaluateCode).
  it.each([
    [{ v: { ne: 'x' } }, '(#v <> :v_ne)'],
    [{ v: { ge: 1, le: 5 } }, '((#v >= :v_ge) AND (#v <= :v_le))'],
    [{ a: { eq: 1 }, b: { eq: 2 } }, '(#a = :a_eq) AND (#b = :b_eq)'],
    [{ and: [{ a: { eq: 1 } }] }, '(#a = :and_0_a_eq)'],
    [{ or: [{ and: [{ a: { eq: 1 } }, { b: { eq: 2 } }] }, { c: { eq: 3 } }] }, '(((#a = :or_0_and_0_a_eq) AND (#b = :or_0_and_1_b_eq)) OR (#c = :or_1_c_eq))'],
    [{ not: { not: { a: { eq: 1 } } } }, '(NOT (NOT (#a = :not_not_a_eq)))'],
    [{ v: { notContains: 'x' } }, '(NOT contains(#v,:v_notContains))'],
    [{ v: { beginsWith: 'x' } }, '(begins_with(#v,:v_beginsWith))'],
    [{ v: { between: ['1', '9', '3'] } }, '(#v BETWEEN :v_between_start AND :v_between_end)'],
    [{ v: { in: ['a', 'b'] } }, '(#v IN (:v_in_0, :v_in_1))'],
    [{ v: { in: [] } }, '(null)'],
    [{ v: { size: { gt: 2, lt: 5 } } }, '((size(#v) > :v_size_gt) AND (size(#v) < :v_size_lt))'],
    [{ v: { size: { size: { gt: 1 } } } }, '(size(#v) > :v_size_size_gt)'],
    [{ a: { eq: 1 }, b: {} }, '(#a = :a_eq) AND '],
    [{ and: [{ a: { eq: 1 } }, {}] }, '((#a = :and_0_a_eq) AND )'],
    [{ not: {} }, '(NOT )'],
    [{}, ''],
  ])('renders %j as AWS does', (input, expression) => {
    expect(filter(input)).toMatchObject({ expression });
  });

  it('names values after their nesting and converts them like toDynamoDB', () => {
    // AWS output: transform.test.js.snap, "a list filter combining a prefix and a range" and "an object".
    expect(filter({ or: [{ content: { beginsWith: 'a' } }, { id: { between: ['1', '9'] } }] })).toStrictEqual({
      expression: '((begins_with(#content,:or_0_content_beginsWith)) OR (#id BETWEEN :or_1_id_between_start AND :or_1_id_between_end))',
      expressionNames: { '#content': 'content', '#id': 'id' },
      expressionValues: { ':or_0_content_beginsWith': { S: 'a' }, ':or_1_id_between_start': { S: '1' }, ':or_1_id_between_end': { S: '9' } },
    });
    expect(filter({ v: { eq: { a: 1 } } })).toMatchObject({ expressionValues: { ':v_eq': { M: { a: { N: 1 } } } } });
    expect(filter({ v: { eq: null } })).toMatchObject({ expressionValues: { ':v_eq': { NULL: null } } });
    expect(filter({ d: { attributeType: 'numberSet' } })).toMatchObject({
      expression: '(attribute_type(#d,:d_attributeType))',
      expressionValues: { ':d_attributeType': { S: 'NS' } },
    });
  });

  // AWS answers null rather than an error for these (transform.test.js.snap, "filters that cannot be rendered").
  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'string'],
    ['an unknown operator', { v: { foo: 1 } }],
    ['a field holding a value', { v: 'x' }],
    ['a field nested in a field', { a: { b: { eq: 1 } } }],
    ['an and given a map', { and: { a: { eq: 1 } } }],
    ['a group holding null', { and: [{ a: { eq: 1 } }, null] }],
    ['a not given a list', { not: [{ a: { eq: 1 } }] }],
    ['a range with a single bound', { v: { between: [1] } }],
    ['attributeExists given a string', { v: { attributeExists: 'yes' } }],
    ['attributeType given a type code', { v: { attributeType: 'S' } }],
    ['size given a value', { v: { size: 3 } }],
  ])('returns null for %s', (_name, input) => {
    expect(util.transform.toDynamoDBFilterExpression(input)).toBeNull();
  });
});

describe('util.error, util.appendError and util.unauthorized', () => {
  it('throws a UtilError carrying message, type, data and errorInfo', () => {
    const { util } = setup();
    let thrown: unknown;
    try {
      util.error('boom', 'MyType', { a: 1 }, { b: 2 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UtilError);
    expect((thrown as UtilError).record).toStrictEqual({ message: 'boom', errorType: 'MyType', data: { a: 1 }, errorInfo: { b: 2 } });
  });

  it('fills missing errorType, data and errorInfo with null', () => {
    const { util } = setup();
    expect(() => util.error('boom')).toThrow(UtilError);
    try {
      util.error('boom');
    } catch (error) {
      expect((error as UtilError).record).toStrictEqual({ message: 'boom', errorType: null, data: null, errorInfo: null });
    }
  });

  it('ignores util.error when the message or the error type is not a string (aws-appsync-community#384)', () => {
    const { util } = setup();
    expect(util.error(25)).toBeUndefined();
    expect(util.error('abc', 25)).toBeUndefined();
  });

  it('records appendError through the hook and lets execution continue', () => {
    const { util, appended } = setup();
    const data = { n: 1 };
    expect(util.appendError('warn', 'W', data)).toBeUndefined();
    data.n = 2;
    util.appendError(42);
    expect(appended).toStrictEqual([{ message: 'warn', errorType: 'W', data: { n: 1 }, errorInfo: null }]);
  });

  it('raises Unauthorized with the field and type in the message', () => {
    const { util } = setup();
    try {
      util.unauthorized();
      expect.unreachable();
    } catch (error) {
      expect((error as UtilError).record).toStrictEqual({
        message: 'Not Authorized to access limit on type Usage',
        errorType: 'Unauthorized',
        data: null,
        errorInfo: null,
      });
    }
  });
});

describe('runtime and extensions', () => {
  it('throws EarlyReturn with the value and skipTo', () => {
    const { runtime } = setup();
    try {
      runtime.earlyReturn({ a: 1 }, { skipTo: 'NEXT' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EarlyReturn);
      expect((error as EarlyReturn).value).toStrictEqual({ a: 1 });
      expect((error as EarlyReturn).skipTo).toBe('NEXT');
    }
    expect(() => runtime.earlyReturn()).toThrow(EarlyReturn);
  });

  it('records extension calls without throwing', () => {
    const { extensions, records } = setup();
    extensions.evictFromApiCache('Query', 'usage', { 'ctx.args.id': '1' });
    extensions.setSubscriptionFilter({ filterGroup: [] });
    extensions.setSubscriptionInvalidationFilter({ filterGroup: [] });
    extensions.invalidateSubscriptions({ subscriptionField: 'onUsage', payload: {} });
    expect(records.extensionCalls.map((call) => call.name)).toStrictEqual([
      'evictFromApiCache',
      'setSubscriptionFilter',
      'setSubscriptionInvalidationFilter',
      'invalidateSubscriptions',
    ]);
  });

  it('records response headers without throwing and reports the auth type from the hooks', () => {
    const { util, records } = setup({ authType: () => 'API Key Authorization' });
    util.http.addResponseHeader('itemsCount', 7);
    util.http.addResponseHeaders({ a: 'b' });
    expect(records.responseHeaders).toStrictEqual([
      { name: 'itemsCount', value: 7 },
      { name: 'a', value: 'b' },
    ]);
    expect(util.http.copyHeaders({ host: 'x', 'x-amz-date': 'y', accept: 'z' })).toStrictEqual({ accept: 'z' });
    expect(util.authType()).toBe('API Key Authorization');
  });

  it('sends console output to the log hook', () => {
    const { console: sandboxConsole, logs } = setup();
    sandboxConsole.log('hello', 1);
    sandboxConsole.error('bad');
    expect(logs).toStrictEqual([
      { level: 'log', args: ['hello', 1] },
      { level: 'error', args: ['bad'] },
    ]);
  });
});

describe('util.time', () => {
  it('reads every "now" from the emulator clock', () => {
    const { util, setNow } = setup();
    expect(util.time.nowISO8601()).toBe('2021-02-01T00:00:00.000Z');
    expect(util.time.nowEpochSeconds()).toBe(1612137600);
    expect(util.time.nowEpochMilliSeconds()).toBe(1612137600000);
    setNow(FEB_1_2021 + 1500);
    expect(util.time.nowISO8601()).toBe('2021-02-01T00:00:01.500Z');
  });

  it('formats Java DateTimeFormatter patterns in UTC by default', () => {
    const { util } = setup();
    expect(util.time.nowFormatted('yyyy-MM-dd HH:mm:ssZ')).toBe('2021-02-01 00:00:00+0000');
    expect(util.time.nowFormatted("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")).toBe('2021-02-01T00:00:00.000Z');
    expect(util.time.nowFormatted("hh 'o''clock' a, EEEE d MMMM yy")).toBe("12 o'clock AM, Monday 1 February 21");
    expect(util.time.nowFormatted('EEE MMM d H:m:s z')).toBe('Mon Feb 1 0:0:0 UTC');
  });

  it('formats the week-based year and the other pattern letters of Java\'s DateTimeFormatter', () => {
    const { util } = setup();
    // localstack/appsync-utils __tests__/index.test.js "nowFormatted" uses this very pattern.
    expect(util.time.nowFormatted('YYYY-MM-dd HH:mm:ss')).toBe('2021-02-01 00:00:00');
    const at = (iso: string, pattern: string) => util.time.epochMilliSecondsToFormatted(Date.parse(iso), pattern);
    // Locale.US weeks (Sunday first, one day makes week 1): 2020-12-27 already belongs to 2021's week 1.
    expect(at('2020-12-27T12:00:00Z', "YYYY-'W'ww-e yyyy")).toBe('2021-W01-1 2020');
    expect(at('2021-01-03T12:00:00Z', "YY 'w'w W e c ccc eeee")).toBe('21 w2 2 1 1 Sun Sunday');
    expect(at('2026-12-31T12:00:00Z', 'YYYY ww W F')).toBe('2027 01 5 3');
    // Modified Julian Day, nano-of-day, day period, a generic zone name and the pad modifier.
    expect(at('2021-01-01T12:00:00Z', "g N B '['ppd']'")).toBe('59215 43200000000000 noon [ 1]');
    expect(util.time.epochMilliSecondsToFormatted(Date.parse('2021-07-01T12:00:00Z'), 'v vvvv', 'America/Los_Angeles')).toBe('PT Pacific Time');
    expect(util.time.parseFormattedToEpochMilliSeconds('2021-W01-1', "YYYY-'W'ww-e")).toBe(Date.parse('2020-12-27T00:00:00Z'));
  });

  it('refuses letters Java does not define, with Java\'s message', () => {
    const { util } = setup();
    expect(() => util.time.nowFormatted('bb')).toThrow('Unknown pattern letter: b');
    expect(() => util.time.nowFormatted('yyyy#')).toThrow("Pattern includes reserved character: '#'");
  });

  it('formats wall-clock time in a named zone', () => {
    const { util } = setup();
    expect(util.time.nowFormatted('yyyy-MM-dd HH:mm:ss.SSSXXX', 'America/Los_Angeles')).toBe('2021-01-31 16:00:00.000-08:00');
    expect(util.time.nowFormatted('EEE, d MMM yyyy hh:mm a z', 'America/Los_Angeles')).toBe('Sun, 31 Jan 2021 04:00 PM PST');
    expect(util.time.nowFormatted('yyyy-MM-dd HH:mmZ', 'Asia/Kolkata')).toBe('2021-02-01 05:30+0530');
    expect(util.time.epochMilliSecondsToFormatted(Date.parse('2021-07-01T12:00:00Z'), 'HH:mm xxx', 'America/New_York')).toBe('08:00 -04:00');
  });

  it('matches the examples in the AppSync time helper documentation', () => {
    const { util } = setup();
    expect(util.time.epochMilliSecondsToFormatted(1517943695750, 'yyyy-MM-dd HH:mm:ssZ')).toBe('2018-02-06 19:01:35+0000');
    expect(util.time.epochMilliSecondsToFormatted(1517943695750, 'yyyy-MM-dd HH:mm:ssZ', 'Australia/Perth')).toBe('2018-02-07 03:01:35+0800');
    expect(util.time.parseFormattedToEpochMilliSeconds('2018-02-01 17:21:05.000+0000', 'yyyy-MM-dd HH:mm:ss.SSSZ')).toBe(1517505665000);
    expect(util.time.parseISO8601ToEpochMilliSeconds('2018-02-01T17:21:05.000+08:00')).toBe(1517476865000);
    expect(util.time.epochMilliSecondsToSeconds(1517943695750)).toBe(1517943695);
    expect(util.time.epochMilliSecondsToISO8601(1517943695750)).toBe('2018-02-06T19:01:35.750Z');
  });

  it('parses wall-clock time in a named zone, including across a DST change', () => {
    const { util } = setup();
    expect(util.time.parseFormattedToEpochMilliSeconds('2021-01-31 16:00:00', 'yyyy-MM-dd HH:mm:ss', 'America/Los_Angeles')).toBe(FEB_1_2021);
    expect(util.time.parseFormattedToEpochMilliSeconds('2021-07-01 08:00', 'yyyy-MM-dd HH:mm', 'America/New_York')).toBe(Date.parse('2021-07-01T12:00:00Z'));
    expect(util.time.parseFormattedToEpochMilliSeconds('01/Feb/21 12:30 PM', 'dd/MMM/yy hh:mm a')).toBe(Date.parse('2021-02-01T12:30:00Z'));
    expect(() => util.time.parseFormattedToEpochMilliSeconds('nope', 'yyyy')).toThrow();
  });
});

describe('identifiers', () => {
  it('makes ULIDs of 26 Crockford base32 characters that sort by the emulator clock', () => {
    const { util, setNow } = setup();
    const first = util.autoUlid();
    setNow(FEB_1_2021 + 1);
    const second = util.autoUlid();
    setNow(FEB_1_2021 + 86_400_000);
    const third = util.autoUlid();
    for (const id of [first, second, third]) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect([third, first, second].sort()).toStrictEqual([first, second, third]);
    const decodedTime = [...first.slice(0, 10)].reduce((acc, char) => acc * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(char), 0);
    expect(decodedTime).toBe(FEB_1_2021);
  });

  it('makes 27-character base62 KSUIDs and v4 UUIDs', () => {
    const { util } = setup();
    expect(util.autoKsuid()).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(util.autoId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(util.autoId()).not.toBe(util.autoId());
  });
});

describe('string, math and type helpers', () => {
  const { util } = setup();

  it('encodes like Java: form URL encoding, base64 of UTF-8, ECMAScript escaping', () => {
    expect(util.urlEncode("a b&c=d/é*~'")).toBe('a+b%26c%3Dd%2F%C3%A9*%7E%27');
    expect(util.urlDecode('a+b%26c')).toBe('a b&c');
    expect(util.base64Encode('héllo')).toBe('aMOpbGxv');
    expect(util.base64Decode('aMOpbGxv')).toBe('héllo');
    expect(util.escapeJavaScript('It\'s "q"\n/é')).toBe('It\\\'s \\"q\\"\\n\\/\\u00E9');
  });

  it('matches a regular expression against the whole string only', () => {
    expect(util.matches('a*b', 'aaaaab')).toBe(true);
    expect(util.matches('a', 'ab')).toBe(false);
  });

  it('normalizes, rounds and compares', () => {
    expect(util.str.normalize('e\u0301', 'nfc')).toBe('é');
    expect(util.math.roundNum(2.5)).toBe(3);
    expect(util.math.minVal(2, 3)).toBe(2);
    expect(util.math.maxVal(2, 3)).toBe(3);
    const random = util.math.randomWithinRange(5, 7);
    expect(random).toBeGreaterThanOrEqual(5);
    expect(random).toBeLessThanOrEqual(7);
  });

  it('answers the VTL-style type questions', () => {
    expect(util.isNull(undefined)).toBe(true);
    expect(util.isNullOrEmpty('')).toBe(true);
    expect(util.isNullOrBlank('  ')).toBe(true);
    expect(util.defaultIfNull(null, 'x')).toBe('x');
    expect(util.defaultIfNullOrBlank(' ', 'x')).toBe('x');
    expect([util.typeOf([]), util.typeOf({}), util.typeOf(1), util.typeOf('s'), util.typeOf(null)]).toStrictEqual(['List', 'Map', 'Number', 'String', 'Null']);
  });
});

describe('@aws-appsync/utils/dynamodb helpers', () => {
  // AWS outputs quoted in APPSYNC.md §2.7 (localstack/appsync-utils EvaluateCode snapshots).
  it('builds a GetItem from a plain key', () => {
    expect(helper('get')({ key: { id: 'id' } })).toStrictEqual({ operation: 'GetItem', key: { id: { S: 'id' } } });
  });

  it('keeps the key out of attributeValues on PutItem', () => {
    expect(helper('put')({ key: { id: 'abc' }, item: { value: 10 } })).toStrictEqual({
      operation: 'PutItem',
      key: { id: { S: 'abc' } },
      attributeValues: { value: { N: 10 } },
    });
  });

  it('passes scan paging straight through', () => {
    expect(helper('scan')({ limit: 10, nextToken: 'abc' })).toStrictEqual({ operation: 'Scan', limit: 10, nextToken: 'abc' });
  });

  it.each([
    ['a plain value', 7, 'SET #expName_1 = :expValue_1'],
    ['operations.add', operations.add(10), 'SET #expName_1 = :expValue_1'],
    ['operations.replace', operations.replace({ a: 1 }), 'SET #expName_1 = :expValue_1'],
    ['operations.increment', operations.increment(10), 'SET #expName_1 = #expName_1 + :expValue_1'],
    ['operations.decrement', operations.decrement(1), 'SET #expName_1 = #expName_1 - :expValue_1'],
    ['operations.append', operations.append([1]), 'SET #expName_1 = list_append(#expName_1, :expValue_1)'],
    ['operations.prepend', operations.prepend([1]), 'SET #expName_1 = list_append(:expValue_1, #expName_1)'],
  ])('turns %s into the update expression AWS generates', (_name, operation, expression) => {
    const request = helper('update')({ key: { id: 'test' }, update: { age: operation } });
    expect(request).toMatchObject({ operation: 'UpdateItem', key: { id: { S: 'test' } }, update: { expression, expressionNames: { '#expName_1': 'age' } } });
  });

  it('removes an attribute with operations.remove and sends no empty value map', () => {
    expect(helper('update')({ key: { id: 'test' }, update: { age: operations.remove() } })).toMatchObject({
      update: { expression: 'REMOVE #expName_1', expressionNames: { '#expName_1': 'age' } },
    });
    expect(helper('update')({ key: { id: 'test' }, update: { age: operations.remove() } }).update).not.toHaveProperty('expressionValues');
  });

  it('sets several attributes in order and stores null as NULL', () => {
    // AWS EvaluateCode output asserted by a public AppSync project's resolver test (editMyProfile).
    expect(helper('update')({ key: { id: 'u' }, update: { name: 'Toni Test', imageUrl: null, bio: 'The test bio' } })).toStrictEqual({
      operation: 'UpdateItem',
      key: { id: { S: 'u' } },
      update: {
        expression: 'SET #expName_1 = :expValue_1, #expName_2 = :expValue_2, #expName_3 = :expValue_3',
        expressionNames: { '#expName_1': 'name', '#expName_2': 'imageUrl', '#expName_3': 'bio' },
        expressionValues: { ':expValue_1': { S: 'Toni Test' }, ':expValue_2': { NULL: null }, ':expValue_3': { S: 'The test bio' } },
      },
    });
  });

  it('returns the run-time operation markers AWS returns, not the .d.ts shapes', () => {
    expect(operations.increment(10)).toStrictEqual({ type: 'OPERATION_INCREMENT', by: 10 });
    expect(operations.add(10)).toStrictEqual({ type: 'OPERATION_ADD', value: 10 });
    expect(operations.append([1, 2])).toStrictEqual({ type: 'OPERATION_APPEND', items: [1, 2] });
    expect(operations.replace({ a: 1 })).toStrictEqual({ type: 'OPERATION_REPLACE', value: { a: 1 } });
  });

  it('does not offer sync, which AWS rejects', () => {
    expect(Object.keys(ddb)).not.toContain('sync');
    expect(Object.keys(ddb).sort()).toStrictEqual(
      ['batchDelete', 'batchGet', 'batchPut', 'get', 'operations', 'put', 'query', 'remove', 'scan', 'toBinarySet', 'toNumberSet', 'toStringSet', 'transactGet', 'transactWrite', 'update'].sort(),
    );
  });

  it('renders conditions like util.transform and leaves out empty value maps', () => {
    expect(helper('put')({ key: { id: 'a' }, item: {}, condition: { id: { attributeExists: false } } }).condition).toStrictEqual({
      expression: '(attribute_not_exists(#id))',
      expressionNames: { '#id': 'id' },
    });
    expect(helper('remove')({ key: { id: 'a' }, condition: { owner: { eq: 'me' } } })).toStrictEqual({
      operation: 'DeleteItem',
      key: { id: { S: 'a' } },
      condition: { expression: '(#owner = :owner_eq)', expressionNames: { '#owner': 'owner' }, expressionValues: { ':owner_eq': { S: 'me' } } },
    });
    expect(() => helper('update')({ key: { id: 'a' }, update: { n: 1 }, condition: { expression: 'attribute_exists(id)' } })).toThrow();
  });

  it('builds a Query from key conditions, keeping filter placeholders apart from them', () => {
    const request = helper('query')({
      query: { id: { eq: 'a' }, sk: { beginsWith: 'x' } },
      filter: { id: { eq: 'b' } },
      index: 'byId',
      limit: 5,
      nextToken: null,
      scanIndexForward: false,
      projection: ['id', 'meta.tags[1]'],
    });
    expect(request).toStrictEqual({
      operation: 'Query',
      query: {
        expression: '(#id = :id_eq) AND (begins_with(#sk,:sk_beginsWith))',
        expressionNames: { '#id': 'id', '#sk': 'sk' },
        expressionValues: { ':id_eq': { S: 'a' }, ':sk_beginsWith': { S: 'x' } },
      },
      index: 'byId',
      limit: 5,
      scanIndexForward: false,
      filter: { expression: '(#id = :filter_id_eq)', expressionNames: { '#id': 'id' }, expressionValues: { ':filter_id_eq': { S: 'b' } } },
      projection: { expression: '#id, #meta.#tags[1]', expressionNames: { '#id': 'id', '#meta': 'meta', '#tags': 'tags' } },
    });
    expect(() => helper('query')({ query: { id: { contains: 'a' } } })).toThrow();
  });

  it('builds batch and transaction requests with typed keys and items', () => {
    expect(helper('batchGet')({ tables: { T: { keys: [{ id: '1' }, { id: '2' }], consistentRead: true } } })).toStrictEqual({
      operation: 'BatchGetItem',
      tables: { T: { keys: [{ id: { S: '1' } }, { id: { S: '2' } }], consistentRead: true } },
    });
    expect(helper('batchPut')({ tables: { T: [{ id: '1', n: 2 }] } })).toStrictEqual({
      operation: 'BatchPutItem',
      tables: { T: [{ id: { S: '1' }, n: { N: 2 } }] },
    });
    expect(helper('batchDelete')({ tables: { T: [{ id: '1' }] } })).toStrictEqual({ operation: 'BatchDeleteItem', tables: { T: [{ id: { S: '1' } }] } });
    expect(helper('transactGet')({ items: [{ table: 'T', key: { id: '1' } }] })).toStrictEqual({
      operation: 'TransactGetItems',
      transactItems: [{ table: 'T', key: { id: { S: '1' } } }],
    });
    expect(
      helper('transactWrite')({
        items: [
          { putItem: { table: 'T', key: { id: '1' }, item: { n: 1 }, condition: { id: { attributeExists: false } } } },
          { updateItem: { table: 'T', key: { id: '2' }, update: { n: operations.increment(1) } } },
          { deleteItem: { table: 'T', key: { id: '3' } } },
          { conditionCheck: { table: 'T', key: { id: '4' }, condition: { n: { gt: 0 } } } },
        ],
      }).transactItems,
    ).toStrictEqual([
      {
        table: 'T',
        operation: 'PutItem',
        key: { id: { S: '1' } },
        attributeValues: { n: { N: 1 } },
        condition: { expression: '(attribute_not_exists(#id))', expressionNames: { '#id': 'id' } },
      },
      {
        table: 'T',
        operation: 'UpdateItem',
        key: { id: { S: '2' } },
        update: { expression: 'SET #expName_1 = #expName_1 + :expValue_1', expressionNames: { '#expName_1': 'n' }, expressionValues: { ':expValue_1': { N: 1 } } },
      },
      { table: 'T', operation: 'DeleteItem', key: { id: { S: '3' } } },
      {
        table: 'T',
        operation: 'ConditionCheck',
        key: { id: { S: '4' } },
        condition: { expression: '(#n > :n_gt)', expressionNames: { '#n': 'n' }, expressionValues: { ':n_gt': { N: 0 } } },
      },
    ]);
  });

  it('shares the set converters with util.dynamodb', () => {
    const toNumberSet = ddb.toNumberSet as (values: number[]) => unknown;
    expect(toNumberSet([1, 23, 4.56])).toStrictEqual({ NS: [1, 23, 4.56] });
  });
});
