// The pure parts of the real-time layer: reading the auth header and the frames, AppSync's
// filter limits and operators, argument filtering, and SigV4 verification against AWS's signer.
import { describe, expect, it } from 'vitest';
import { verifySigV4 } from '../../emulator/iam/sigv4.ts';
import { decodeHeaderValue } from '../../emulator/realtime/decode-header.ts';
import { checkFilter, matchesArguments, matchesFilter, type FilterGroup } from '../../emulator/realtime/filters.ts';
import { parseFrame, parseStartData } from '../../emulator/realtime/message-type-guards.ts';
import { signPost } from '../helpers/iam.ts';

const one = (fieldName: string, operator: string, value: unknown): FilterGroup => ({ filterGroup: [{ filters: [{ fieldName, operator, value }] }] });

describe('the auth header', () => {
  const header = { Authorization: 'Bearer t.t.t', host: 'localhost:4000' };
  it('decodes base64url without padding, standard base64 with padding, and pretty-printed JSON, with keys lower-cased', () => {
    const expected = { authorization: 'Bearer t.t.t', host: 'localhost:4000' };
    expect(decodeHeaderValue(Buffer.from(JSON.stringify(header)).toString('base64url'))).toEqual(expected);
    expect(decodeHeaderValue(Buffer.from(JSON.stringify(header)).toString('base64'))).toEqual(expected);
    expect(decodeHeaderValue(Buffer.from(JSON.stringify(header, null, 2)).toString('base64'))).toEqual(expected);
  });

  it('is refused when it is not base64 of a JSON object', () => {
    expect(decodeHeaderValue('not base64!')).toBeNull();
    expect(decodeHeaderValue(Buffer.from('[1,2]').toString('base64'))).toBeNull();
    expect(decodeHeaderValue(Buffer.from('{"a":').toString('base64'))).toBeNull();
  });
});

describe('client frames', () => {
  it('are typed when they are protocol messages, and told apart when not', () => {
    expect(parseFrame('{"type":"connection_init"}')).toEqual({ kind: 'message', message: { type: 'connection_init', payload: undefined } });
    expect(parseFrame('{"type":"stop","id":"1"}')).toEqual({ kind: 'message', message: { type: 'stop', id: '1' } });
    expect(parseFrame('{"type":"start","id":"1","payload":{"data":"{}"}}')).toMatchObject({ kind: 'message', message: { type: 'start', id: '1' } });
    expect(parseFrame('{"type":"start","id":"1","payload":{"data":{}}}')).toMatchObject({ kind: 'malformed', id: '1' });
    expect(parseFrame('{"type":"start","payload":{"data":"{}"}}')).toMatchObject({ kind: 'malformed', id: undefined });
    expect(parseFrame('{"type":"subscribe","id":"1"}')).toEqual({ kind: 'unknownType', type: 'subscribe', id: '1' });
    expect(parseFrame('[1]')).toEqual({ kind: 'notAMessage' });
    expect(parseFrame('nope')).toEqual({ kind: 'notAMessage' });
  });

  it('carry the request in start.payload.data as a JSON string', () => {
    expect(parseStartData('{"query":"subscription { a }","variables":{"x":1}}')).toEqual({ query: 'subscription { a }', variables: { x: 1 }, operationName: null });
    expect(parseStartData('{"query":"subscription S { a }","operationName":"S"}')).toEqual({ query: 'subscription S { a }', variables: {}, operationName: 'S' });
    expect(parseStartData('{"variables":{}}')).toBeNull();
    expect(parseStartData('{"query":"q","variables":[1]}')).toBeNull();
  });
});

describe('enhanced filters', () => {
  it('apply every documented operator', () => {
    const event = { n: 5, s: 'Hello', tags: ['a', 'b'], nested: { deep: { id: 'x' } } };
    const cases: [string, string, unknown, boolean][] = [
      ['n', 'eq', 5, true], ['n', 'ne', 5, false], ['n', 'lt', 6, true], ['n', 'le', 5, true], ['n', 'gt', 5, false], ['n', 'ge', 5, true],
      ['s', 'contains', 'ell', true], ['tags', 'contains', 'b', true], ['s', 'notContains', 'xyz', true], ['tags', 'notContains', 'a', false],
      ['s', 'beginsWith', 'He', true], ['s', 'beginsWith', 'he', false], ['n', 'in', [1, 5], true], ['n', 'notIn', [1, 5], false],
      ['n', 'between', [5, 9], true], ['n', 'between', [6, 9], false], ['tags', 'containsAny', ['z', 'b'], true], ['tags', 'containsAny', ['z'], false],
      ['nested.deep.id', 'eq', 'x', true], ['missing', 'ne', 'x', false],
    ];
    for (const [field, op, value, expected] of cases) expect([field, op, matchesFilter(one(field, op, value), event)]).toEqual([field, op, expected]);
  });

  it('AND the filters of a group and OR the groups', () => {
    const filter = { filterGroup: [{ filters: [{ fieldName: 'a', operator: 'eq', value: 1 }, { fieldName: 'b', operator: 'eq', value: 2 }] }, { filters: [{ fieldName: 'c', operator: 'eq', value: 3 }] }] };
    expect(matchesFilter(filter, { a: 1, b: 2 })).toBe(true);
    expect(matchesFilter(filter, { a: 1, b: 3 })).toBe(false);
    expect(matchesFilter(filter, { c: 3 })).toBe(true);
    expect(matchesFilter(filter, [{ c: 3 }])).toBe(false);
  });

  it('are refused over AppSync’s limits, counting each value of in as a filter', () => {
    const filters = (n: number) => Array.from({ length: n }, (_, i) => ({ fieldName: `f${i % 5}`, operator: 'ne', value: i }));
    expect(checkFilter({ filterGroup: [{ filters: filters(10) }] }).ok).toBe(true);
    expect(checkFilter({ filterGroup: [{ filters: filters(11) }] })).toMatchObject({ ok: false, reason: expect.stringContaining('11 filters') });
    expect(checkFilter({ filterGroup: [{ filters: [...filters(6), { fieldName: 'f0', operator: 'in', value: [1, 2, 3, 4, 5] }] }] })).toMatchObject({ ok: false });
    expect(checkFilter(one('a', 'in', [1, 2, 3, 4, 5, 6]))).toMatchObject({ ok: false, reason: expect.stringContaining('at most 5') });
    expect(checkFilter(one('a', 'containsAny', Array.from({ length: 21 }, (_, i) => i)))).toMatchObject({ ok: false, reason: expect.stringContaining('at most 20') });
    expect(checkFilter({ filterGroup: [{ filters: ['a', 'b', 'c', 'd', 'e', 'f'].map((f) => ({ fieldName: f, operator: 'eq', value: 1 })) }] })).toMatchObject({ ok: false, reason: expect.stringContaining('6 fields') });
    expect(checkFilter(one('a', 'EQ', 1))).toMatchObject({ ok: false, reason: expect.stringContaining('Unknown filter operator EQ') });
    expect(checkFilter(one('a', 'eq', 'x'.repeat(257)))).toMatchObject({ ok: false });
    expect(checkFilter(one('a', 'between', [1]))).toMatchObject({ ok: false });
    expect(checkFilter({ filters: [] })).toMatchObject({ ok: false });
  });

  it('drop rules nested deeper than 5 levels, as AppSync ignores them', () => {
    const checked = checkFilter({ filterGroup: [{ filters: [{ fieldName: 'a.b.c.d.e.f', operator: 'eq', value: 1 }, { fieldName: 'a.b.c.d.e', operator: 'eq', value: 1 }] }] });
    expect(checked).toEqual({ ok: true, ignored: ['a.b.c.d.e.f'], filter: { filterGroup: [{ filters: [{ fieldName: 'a.b.c.d.e', operator: 'eq', value: 1 }] }] } });
  });
});

describe('argument filtering', () => {
  it('matches all when an argument is omitted, only null or absent for an explicit null, and nothing for a field the mutation did not select', () => {
    expect(matchesArguments({}, { a: 1 })).toBe(true);
    expect(matchesArguments({ a: 1 }, { a: 1, b: 2 })).toBe(true);
    expect(matchesArguments({ a: 2 }, { a: 1 })).toBe(false);
    expect(matchesArguments({ a: null }, { b: 1 })).toBe(true);
    expect(matchesArguments({ a: null }, { a: null })).toBe(true);
    expect(matchesArguments({ a: null }, { a: 1 })).toBe(false);
    expect(matchesArguments({ a: 1 }, { b: 1 })).toBe(false);
  });
});

describe('SigV4 verification', () => {
  const credentials = { accessKeyId: 'ASIAEXAMPLEEXAMPLE12', secretAccessKey: 'secret/with+chars', sessionToken: 'session-token' };
  const lookup = (key: string) => (key === credentials.accessKeyId ? { secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken } : undefined);
  const url = 'http://localhost:4000/graphql';
  const body = '{"query":"mutation { x }"}';

  it('accepts what AWS’s own signer signed, and nothing else', async () => {
    const headers = await signPost(url, body, credentials, { 'content-type': 'application/json' });
    const request = { method: 'POST', path: '/graphql', query: '', headers, body };
    const options = { region: 'us-east-1', service: 'appsync', now: Date.now() };
    expect(verifySigV4(request, lookup, options)).toMatchObject({ ok: true, accessKeyId: credentials.accessKeyId });
    expect(verifySigV4({ ...request, body: body + ' ' }, lookup, options)).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
    expect(verifySigV4({ ...request, path: '/graphql/connect' }, lookup, options)).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
    expect(verifySigV4({ ...request, headers: { ...headers, host: 'evil:1' } }, lookup, options)).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
    // An unsigned header may change freely.
    expect(verifySigV4({ ...request, headers: { ...headers, 'user-agent': 'x' } }, lookup, options)).toMatchObject({ ok: true });
    expect(verifySigV4({ ...request, headers: { ...headers, authorization: 'AWS4-HMAC-SHA256 Credential=x' } }, lookup, options)).toMatchObject({ ok: false, status: 400, errorType: 'IncompleteSignatureException' });
    expect(verifySigV4(request, () => undefined, options)).toMatchObject({ ok: false, errorType: 'UnrecognizedClientException' });
    expect(verifySigV4(request, lookup, { ...options, now: Date.now() + 10 * 60_000 })).toMatchObject({ ok: false, errorType: 'InvalidSignatureException', message: expect.stringMatching(/^Signature expired/) });
    expect(verifySigV4(request, lookup, { ...options, service: 'execute-api' })).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
  });
});

describe('npm start’s real-time settings', () => {
  it('read TOLLGATE_REALTIME_* as positive whole numbers, AppSync’s values otherwise', async () => {
    const { settingsFromEnv } = await import('../../emulator/settings.ts');
    expect(settingsFromEnv({}).realtime).toEqual({});
    expect(settingsFromEnv({ TOLLGATE_REALTIME_KEEPALIVE_MS: '1000', TOLLGATE_REALTIME_MAX_SUBSCRIPTIONS: '5' }).realtime).toEqual({ keepAliveIntervalMs: 1000, maxSubscriptionsPerConnection: 5 });
    expect(() => settingsFromEnv({ TOLLGATE_REALTIME_MAX_PAYLOAD_BYTES: '-1' })).toThrow('TOLLGATE_REALTIME_MAX_PAYLOAD_BYTES must be a positive whole number. Received: -1');
  });
});
