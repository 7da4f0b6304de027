// The template's web ACL applied offline (emulator/waf/): WAFv2 statements evaluated as AWS WAF
// documents them, rate-based rules per key over their window, WAF's block response, and the
// rules the emulator cannot evaluate listed at start.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAF_CHOICES } from '../../emulator/appsync/choices.ts';
import { createWaf, type WafRequest } from '../../emulator/waf/index.ts';
import { matches } from '../../emulator/waf/match.ts';
import { loadWebAcl, type JsonObject } from '../../emulator/waf/acl.ts';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';
import { fetchFrom, nextLoopbackAddress } from '../helpers/loopback.ts';

type Statement = JsonObject;

const request = (overrides: Partial<WafRequest> & { json?: unknown; text?: string } = {}): WafRequest => {
  const text = overrides.text ?? (overrides.json === undefined ? '' : JSON.stringify(overrides.json));
  const body = Buffer.from(text);
  return { ip: '203.0.113.7', method: 'POST', path: '/graphql', query: '', headers: {}, body, bodyBytes: body.length, ...overrides };
};

const jsonMatch = (jsonBody: Statement, search: string, constraint = 'EXACTLY'): Statement => ({
  ByteMatchStatement: { FieldToMatch: { JsonBody: jsonBody }, PositionalConstraint: constraint, SearchString: search, TextTransformations: [{ Priority: 0, Type: 'NONE' }] },
});

/** A template with one web ACL associated with the API, as CDK synthesizes it. */
function template(rules: Statement[], extra: Statement = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'waf-')), 'stack.template.json');
  writeFileSync(
    file,
    JSON.stringify({
      Resources: {
        Api: { Type: 'AWS::AppSync::GraphQLApi', Properties: {} },
        Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { DefaultAction: { Allow: {} }, Rules: rules, ...extra } },
        Association: { Type: 'AWS::WAFv2::WebACLAssociation', Properties: { ResourceArn: { 'Fn::GetAtt': ['Api', 'Arn'] }, WebACLArn: { 'Fn::GetAtt': ['Acl', 'Arn'] } } },
      },
    }),
  );
  return file;
}

const rule = (name: string, priority: number, statement: Statement, action: Statement = { Block: {} }): Statement => ({ Name: name, Priority: priority, Action: action, Statement: statement });

describe('match statements', () => {
  const loginQuery = { query: 'mutation Login($e: String!) { login(email: $e, password: "x") { token } }', variables: { e: 'a@b.c' } };

  it('inspects JSON body elements: keys, values or both, everywhere or at the included paths', () => {
    expect(matches(jsonMatch({ MatchPattern: { All: {} }, MatchScope: 'VALUE' }, 'a@b.c'), request({ json: loginQuery }))).toBe(true);
    expect(matches(jsonMatch({ MatchPattern: { All: {} }, MatchScope: 'KEY' }, 'a@b.c'), request({ json: loginQuery }))).toBe(false);
    expect(matches(jsonMatch({ MatchPattern: { All: {} }, MatchScope: 'KEY' }, 'variables'), request({ json: loginQuery }))).toBe(true);
    expect(matches(jsonMatch({ MatchPattern: { IncludedPaths: ['/query'] }, MatchScope: 'VALUE' }, 'login(', 'CONTAINS'), request({ json: loginQuery }))).toBe(true);
    expect(matches(jsonMatch({ MatchPattern: { IncludedPaths: ['/variables/e'] }, MatchScope: 'VALUE' }, 'login(', 'CONTAINS'), request({ json: loginQuery }))).toBe(false);
  });

  it('applies InvalidFallbackBehavior when the body is not JSON', () => {
    const broken = request({ text: '{"query": "login' });
    const spec = { MatchPattern: { All: {} }, MatchScope: 'ALL' };
    expect(matches(jsonMatch({ ...spec, InvalidFallbackBehavior: 'MATCH' }, 'zzz'), broken)).toBe(true);
    expect(matches(jsonMatch({ ...spec, InvalidFallbackBehavior: 'NO_MATCH' }, 'login', 'CONTAINS'), broken)).toBe(false);
    expect(matches(jsonMatch({ ...spec, InvalidFallbackBehavior: 'EVALUATE_AS_STRING' }, 'login', 'CONTAINS'), broken)).toBe(true);
  });

  it('transforms before comparing, and tells CONTAINS_WORD from CONTAINS', () => {
    const body = (search: string, constraint: string, type = 'LOWERCASE'): Statement => ({
      ByteMatchStatement: { FieldToMatch: { Body: {} }, PositionalConstraint: constraint, SearchString: search, TextTransformations: [{ Priority: 0, Type: type }] },
    });
    expect(matches(body('register', 'CONTAINS'), request({ text: '{"query":"mutation { REGISTER }"}' }))).toBe(true);
    expect(matches(body('register', 'CONTAINS', 'NONE'), request({ text: '{"query":"mutation { REGISTER }"}' }))).toBe(false);
    expect(matches(body('log', 'CONTAINS_WORD'), request({ text: 'login' }))).toBe(false);
    expect(matches(body('log', 'CONTAINS_WORD'), request({ text: 'a log.' }))).toBe(true);
  });

  it('decodes JavaScript escapes with JS_DECODE, full-width \\uFFxx letters as their ASCII ones', () => {
    const body = (search: string): Statement => ({
      ByteMatchStatement: { FieldToMatch: { Body: {} }, PositionalConstraint: 'CONTAINS', SearchString: search, TextTransformations: [{ Priority: 0, Type: 'JS_DECODE' }] },
    });
    expect(matches(body('login'), request({ text: '\\u006cogin' }))).toBe(true);
    expect(matches(body('login'), request({ text: '\\x6cogin' }))).toBe(true);
    expect(matches(body('login'), request({ text: '\\154ogin' }))).toBe(true);
    expect(matches(body('login'), request({ text: '\\uFF4Cogin' }))).toBe(true);
    expect(matches(body('login'), request({ text: 'l\\ogin' }))).toBe(true);
    expect(matches(body('login'), request({ text: 'l0gin' }))).toBe(false);
  });

  it('reads headers, the path and the method, and combines with And, Or and Not', () => {
    const header = { ByteMatchStatement: { FieldToMatch: { SingleHeader: { Name: 'X-Api-Key' } }, PositionalConstraint: 'STARTS_WITH', SearchString: 'da2-', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } };
    const path = { ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'EXACTLY', SearchString: '/graphql', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } };
    const keyed = request({ headers: { 'x-api-key': 'da2-abc' } });
    expect(matches({ AndStatement: { Statements: [header, path] } }, keyed)).toBe(true);
    expect(matches({ AndStatement: { Statements: [header, path] } }, request())).toBe(false);
    expect(matches({ OrStatement: { Statements: [header, path] } }, request())).toBe(true);
    expect(matches({ NotStatement: { Statement: header } }, request())).toBe(true);
  });

  it('judges a body past the 8 KB WAF inspects by its OversizeHandling', () => {
    const big = request({ text: 'x'.repeat(WAF_CHOICES.bodyInspectionLimitBytes + 1) });
    const size = (handling?: string): Statement => ({
      SizeConstraintStatement: { FieldToMatch: { Body: handling ? { OversizeHandling: handling } : {} }, ComparisonOperator: 'GT', Size: 8192, TextTransformations: [{ Priority: 0, Type: 'NONE' }] },
    });
    expect(matches(size('MATCH'), big)).toBe(true);
    expect(matches(size('NO_MATCH'), big)).toBe(false);
    // CONTINUE inspects only the first 8 KB, which is never more than 8 KB.
    expect(matches(size('CONTINUE'), big)).toBe(false);
    expect(matches({ SizeConstraintStatement: { FieldToMatch: { Body: {} }, ComparisonOperator: 'GT', Size: 10, TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }, request({ text: 'x'.repeat(11) }))).toBe(true);
  });
});

describe('a web ACL', () => {
  it('blocks a key past a rate rule’s limit within its window, counting only what the scope-down matches', () => {
    let now = Date.parse('2026-11-30T00:00:00Z');
    const scope = jsonMatch({ MatchPattern: { IncludedPaths: ['/query'] }, MatchScope: 'VALUE', InvalidFallbackBehavior: 'EVALUATE_AS_STRING' }, 'login', 'CONTAINS');
    const waf = createWaf(template([rule('LoginRate', 0, { RateBasedStatement: { Limit: 3, AggregateKeyType: 'IP', EvaluationWindowSec: 60, ScopeDownStatement: scope } })]), () => now)!;
    const login = request({ json: { query: 'mutation { login(email: "a", password: "b") { token } }' } });
    const other = request({ json: { query: '{ models { id } }' } });
    expect([1, 2, 3].map(() => waf.inspect(login).allowed)).toEqual([true, true, true]);
    expect(waf.inspect(login)).toMatchObject({ allowed: false, rule: 'LoginRate', status: 403 });
    expect(waf.inspect(other).allowed).toBe(true);
    expect(waf.inspect({ ...login, ip: '198.51.100.1' }).allowed).toBe(true);
    now += 61_000;
    expect(waf.inspect(login).allowed).toBe(true);
  });

  it('answers a block as AppSync behind WAF does, or with the rule’s custom response', () => {
    const tooBig = { SizeConstraintStatement: { FieldToMatch: { Body: { OversizeHandling: 'MATCH' } }, ComparisonOperator: 'GT', Size: 4, TextTransformations: [{ Priority: 0, Type: 'NONE' }] } };
    const plain = createWaf(template([rule('Size', 0, tooBig)]), Date.now)!;
    expect(plain.inspect(request({ text: '12345' }))).toEqual({
      allowed: false,
      rule: 'Size',
      status: 403,
      headers: { 'content-type': 'application/json; charset=UTF-8', 'x-amzn-errortype': 'WAFForbiddenException' },
      body: '{"errors":[{"errorType":"WAFForbiddenException","message":"403 Forbidden"}]}',
    });
    const custom = createWaf(
      template([rule('Size', 0, tooBig, { Block: { CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'big', ResponseHeaders: [{ Name: 'Reason', Value: 'size' }] } } })], {
        CustomResponseBodies: { big: { ContentType: 'APPLICATION_JSON', Content: '{"error":"too big"}' } },
      }),
      Date.now,
    )!;
    expect(custom.inspect(request({ text: '12345' }))).toEqual({
      allowed: false,
      rule: 'Size',
      status: 413,
      headers: { 'content-type': 'application/json', 'x-amzn-waf-reason': 'size' },
      body: '{"error":"too big"}',
    });
  });

  it('lets an Allow rule end the evaluation and a Count rule go on', () => {
    const always = { ByteMatchStatement: { FieldToMatch: { Method: {} }, PositionalConstraint: 'EXACTLY', SearchString: 'POST', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } };
    expect(createWaf(template([rule('Count', 0, always, { Count: {} }), rule('Block', 1, always)]), Date.now)!.inspect(request()).allowed).toBe(false);
    expect(createWaf(template([rule('Allow', 0, always, { Allow: {} }), rule('Block', 1, always)]), Date.now)!.inspect(request()).allowed).toBe(true);
  });

  it('skips what cannot be evaluated offline, saying why, and applies the rest', () => {
    const acl = loadWebAcl(
      template([
        rule('Managed', 0, { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } }),
        rule('Geo', 1, { GeoMatchStatement: { CountryCodes: ['NL'] } }),
        rule('Rate', 2, { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP' } }),
      ]),
    )!;
    expect(acl.rules.map((r) => r.name)).toEqual(['Rate']);
    expect(acl.skipped).toEqual([
      { name: 'Managed', reason: 'AWS managed rule group; its rules are not public' },
      { name: 'Geo', reason: 'geo match: no country for a local address' },
    ]);
  });
});

describe('the emulator with the template’s web ACL', () => {
  let api: TestEmulator;

  beforeAll(async () => {
    api = await startTestEmulator({ waf: true });
  });

  afterAll(async () => {
    await api?.stop();
  });

  it('lists at start the rules it applies and skips every managed rule group', () => {
    const acl = loadWebAcl(api.stack.templateFile)!;
    expect(api.logs).toContain(`[waf] web ACL ${acl.name}: applying ${acl.rules.map((r) => r.name).join(', ')}`);
    const managed = acl.skipped.filter((s) => s.reason.startsWith('AWS managed rule group'));
    expect(managed.length).toBeGreaterThan(0);
    for (const s of managed) expect(api.logs).toContain(`[waf] skipped ${s.name}: ${s.reason}`);
  });

  it('counts register and login per address in the parsed JSON body, escapes included, and answers past the limit with WAF’s 403', async () => {
    // AuthRatePerIp: TOLLGATE_WAF_AUTH_RATE_LIMIT (100) requests naming register or login per
    // address per 5 minutes. "\u0072egister" is how JSON may spell register: WAF parses the body.
    const escaped = '{"query":"mutation { \\u0072egister(email: \\"not-an-email\\", password: \\"x\\") { id } }"}';
    expect(JSON.parse(escaped).query).toContain('register(');
    const from = fetchFrom(nextLoopbackAddress());
    const send = (fetcher: typeof fetch) => fetcher(api.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': api.apiKey }, body: escaped });
    const rate = loadWebAcl(api.stack.templateFile)!.rules.find((r) => r.name === 'AuthRatePerIp')!.statement.RateBasedStatement as JsonObject;
    const limit = Number(rate.Limit);
    const statuses: number[] = [];
    for (let i = 0; i < limit; i += 1) statuses.push((await send(from)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const blocked = await send(from);
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toEqual({ errors: [{ errorType: 'WAFForbiddenException', message: '403 Forbidden' }] });
    // Another address, and another operation from the same one, still get through.
    expect((await send(fetchFrom(nextLoopbackAddress()))).status).toBe(200);
    const models = await from(api.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': api.apiKey }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(models.status).toBe(200);
  });
});
