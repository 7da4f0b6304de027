// AppSync parity cases for the engine (APPSYNC.md §8), each with the behaviour AWS shows and
// its source. Inline resolvers, fake data sources: no network.
import { describe, expect, it } from 'vitest';
import type { DataSourceCall } from '../../emulator/appsync/engine.ts';
import { apiKeyCaller, buildEngine, lambdaCaller, run } from '../helpers/engine.ts';

const SDL = `
type Query {
  thing: Thing
  things: [Thing]
  ping: String
  publicPing: String @aws_api_key
  both: String @aws_api_key @aws_lambda
  when: AWSDateTime
}
type Mutation { doIt(input: String): Thing }
type Thing { id: ID!, name: String, limit: Int, nested: Thing }
type PublicThing @aws_api_key { id: ID! }
`;

const passthrough = `export function request(ctx) { return { payload: ctx.args }; }\nexport function response(ctx) { return ctx.result; }`;

describe('util.error and friends (§1.2, §5.1)', () => {
  it('util.error in a function request gives the field null, the full error entry, and stops the pipeline (§8.8)', async () => {
    const ran: string[] = [];
    const spy: DataSourceCall = async (req) => {
      ran.push('datasource');
      return { result: req };
    };
    const engine = buildEngine(SDL, [
      {
        coordinate: 'Query.thing',
        code: `export function request(ctx) { return {}; }\nexport function response(ctx) { ctx.stash.after = true; return { id: 'after' }; }`,
        functions: [
          { name: 'first', code: `import { util } from '@aws-appsync/utils';\nexport function request(ctx) { util.error('boom', 'MyType', { id: '1', name: 'n', limit: 3 }, { b: 2 }); }\nexport function response(ctx) { return ctx.result; }`, dataSource: spy },
          { name: 'second', code: passthrough, dataSource: spy },
        ],
      },
    ]);
    const out = await run(engine, '{ thing { id name } }');
    expect(out.data).toEqual({ thing: null });
    expect(out.errors).toEqual([
      { path: ['thing'], data: { id: '1', name: 'n' }, errorType: 'MyType', errorInfo: { b: 2 }, locations: [{ line: 1, column: 3, sourceName: null }], message: 'boom' },
    ]);
    expect(ran).toEqual([]);
  });

  it('util.error with a non-string message or type does nothing (aws-appsync-community#384, §8.9)', async () => {
    const engine = buildEngine(SDL, [
      { coordinate: 'Query.ping', code: `import { util } from '@aws-appsync/utils';\nexport function request(ctx) { util.error(25); util.error('abc', 25); return { payload: 'still here' }; }\nexport function response(ctx) { return ctx.result; }` },
    ]);
    expect(await run(engine, '{ ping }')).toEqual({ data: { ping: 'still here' } });
  });

  it('util.appendError keeps going: the data and the error both arrive (§8.10)', async () => {
    const engine = buildEngine(SDL, [
      { coordinate: 'Query.ping', code: `import { util } from '@aws-appsync/utils';\nexport function request(ctx) { return { payload: 'pong' }; }\nexport function response(ctx) { util.appendError('warn', 'W'); return ctx.result; }` },
    ]);
    const out = await run(engine, '{ ping }');
    expect(out.data).toEqual({ ping: 'pong' });
    expect(out.errors).toMatchObject([{ path: ['ping'], errorType: 'W', message: 'warn', data: null, errorInfo: null }]);
  });

  it('a TypeError becomes errorType Code with the position in code.js, and the pipeline stops (aws-appsync-community#328, §8.11)', async () => {
    const engine = buildEngine(SDL, [
      {
        coordinate: 'Query.thing',
        code: `export function request(ctx) { return {}; }\nexport function response(ctx) { return { id: 'x' }; }`,
        functions: [{ name: 'broken', code: `export function request(ctx) {\n  return ctx.args.missing.deeper;\n}\nexport function response(ctx) { return ctx.result; }` }],
      },
    ]);
    const out = await run(engine, '{ thing { id } }');
    expect(out.data).toEqual({ thing: null });
    expect(out.errors?.[0]).toMatchObject({ errorType: 'Code', path: ['thing'] });
    expect(out.errors?.[0]?.message).toMatch(/^code\.js:2:\d+: TypeError: /);
  });

  it('util.unauthorized names the field and type (§1.4)', async () => {
    const engine = buildEngine(SDL, [{ coordinate: 'Query.ping', code: `export function request(ctx) { util.unauthorized(); }\nexport function response(ctx) { return 'no'; }` }]);
    const out = await run(engine, '{ ping }');
    expect(out.errors?.[0]).toMatchObject({ errorType: 'Unauthorized', message: 'Not Authorized to access ping on type Query' });
  });
});

describe('control flow (§1.2)', () => {
  it('earlyReturn in the before step skips every function; the after step sees ctx.prev.result (§8.12)', async () => {
    const ran: string[] = [];
    const spy: DataSourceCall = async () => {
      ran.push('ds');
      return { result: null };
    };
    const engine = buildEngine(SDL, [
      {
        coordinate: 'Query.thing',
        code: `import { runtime } from '@aws-appsync/utils';\nexport function request(ctx) { runtime.earlyReturn({ id: 'early' }); }\nexport function response(ctx) { return { id: ctx.prev.result.id + '-after' }; }`,
        functions: [{ name: 'never', code: passthrough, dataSource: spy }],
      },
    ]);
    expect(await run(engine, '{ thing { id } }')).toEqual({ data: { thing: { id: 'early-after' } } });
    expect(ran).toEqual([]);
  });

  it('earlyReturn in a function request skips only that function’s data source and response', async () => {
    const calls: string[] = [];
    const spy =
      (name: string): DataSourceCall =>
      async (req) => {
        calls.push(name);
        return { result: (req as { payload: unknown }).payload };
      };
    const engine = buildEngine(SDL, [
      {
        coordinate: 'Query.thing',
        code: `export function request(ctx) { return {}; }\nexport function response(ctx) { return { id: ctx.stash.seen + ':' + ctx.prev.result }; }`,
        functions: [
          { name: 'skip', code: `export function request(ctx) { runtime.earlyReturn('skipped'); }\nexport function response(ctx) { ctx.stash.seen = 'bad'; return 'bad'; }`, dataSource: spy('skip') },
          { name: 'run', code: `export function request(ctx) { ctx.stash.seen = ctx.prev.result; return { payload: 'ran' }; }\nexport function response(ctx) { return ctx.result; }`, dataSource: spy('run') },
        ],
      },
    ]);
    expect(await run(engine, '{ thing { id } }')).toEqual({ data: { thing: { id: 'skipped:ran' } } });
    expect(calls).toEqual(['run']);
  });

  it('the stash set in a function request is visible in the resolver’s response (§8.3)', async () => {
    const engine = buildEngine(SDL, [
      {
        coordinate: 'Query.ping',
        code: `export function request(ctx) { return {}; }\nexport function response(ctx) { return ctx.stash.x + '/' + ctx.prev.result; }`,
        functions: [{ name: 'f', code: `export function request(ctx) { ctx.stash.x = 1; return { payload: 'p' }; }\nexport function response(ctx) { return ctx.result; }` }],
      },
    ]);
    expect(await run(engine, '{ ping }')).toEqual({ data: { ping: '1/p' } });
  });

  it('a data-source error reaches the client only when the response handler raises it (§2.6, §8.18)', async () => {
    const failing: DataSourceCall = async () => ({ result: null, error: { message: 'The conditional request failed', type: 'DynamoDB:ConditionalCheckFailedException' } });
    const engine = buildEngine(SDL, [
      { coordinate: 'Query.ping', code: `export function request(ctx) { return {}; }\nexport function response(ctx) { return 'swallowed'; }`, dataSource: failing },
      { coordinate: 'Query.when', code: `export function request(ctx) { return {}; }\nexport function response(ctx) { if (ctx.error) { util.error(ctx.error.message, ctx.error.type); } return ctx.result; }`, dataSource: failing },
    ]);
    expect(await run(engine, '{ ping }')).toEqual({ data: { ping: 'swallowed' } });
    const raised = await run(engine, '{ when }');
    expect(raised.errors?.[0]).toMatchObject({ errorType: 'DynamoDB:ConditionalCheckFailedException', message: 'The conditional request failed' });
  });
});

describe('the context (§1.6)', () => {
  it('has lower-case headers, identity.resolverContext, env, and selectionSetList by alias with / paths (§8.27, §8.37)', async () => {
    const engine = buildEngine(SDL, [
      {
        coordinate: 'Query.thing',
        code: `export function request(ctx) { return { payload: { id: [ctx.request.headers['x-custom'], ctx.identity.resolverContext.userId, ctx.env.STAGE, ctx.info.selectionSetList.join(','), util.authType()].join('|') } }; }\nexport function response(ctx) { return ctx.result; }`,
      },
    ]);
    const out = await run(engine, '{ thing { ident: id nested { name } } }', { headers: { 'x-custom': 'h' }, env: { STAGE: 'test' } });
    expect(out.data).toEqual({ thing: { ident: 'h|u1|test|ident,nested,nested/name|Lambda Authorization', nested: null } });
  });

  it('ctx.args and ctx.arguments are the same arguments, with variables substituted', async () => {
    const engine = buildEngine(SDL, [{ coordinate: 'Mutation.doIt', code: `export function request(ctx) { return { payload: { id: ctx.args.input + '=' + ctx.arguments.input } }; }\nexport function response(ctx) { return ctx.result; }` }]);
    const out = await run(engine, 'mutation M($v: String) { doIt(input: $v) { id } }', { variables: { v: 'x' } });
    expect(out.data).toEqual({ doIt: { id: 'x=x' } });
  });
});

describe('auth directives (§4.7)', () => {
  const engine = buildEngine(SDL, [
    { coordinate: 'Query.ping', code: `export function request(ctx) { return { payload: 'p' }; }\nexport function response(ctx) { return ctx.result; }` },
    { coordinate: 'Query.publicPing', code: `export function request(ctx) { return { payload: util.authType() }; }\nexport function response(ctx) { return ctx.result; }` },
    { coordinate: 'Query.both', code: `export function request(ctx) { return { payload: 'b' }; }\nexport function response(ctx) { return ctx.result; }` },
  ]);

  it('a field without a directive is open to the default mode only (§8.29)', async () => {
    const out = await run(engine, '{ ping }', { caller: apiKeyCaller });
    expect(out).toMatchObject({ data: { ping: null }, errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access ping on type Query', path: ['ping'] }] });
  });

  it('a field marked only @aws_api_key is closed to the default Lambda mode', async () => {
    const out = await run(engine, '{ publicPing }');
    expect(out.errors?.[0]).toMatchObject({ errorType: 'Unauthorized', message: 'Not Authorized to access publicPing on type Query' });
    expect(await run(engine, '{ publicPing }', { caller: apiKeyCaller })).toEqual({ data: { publicPing: 'API Key Authorization' } });
  });

  it('several directives are OR-ed', async () => {
    expect(await run(engine, '{ both }', { caller: apiKeyCaller })).toEqual({ data: { both: 'b' } });
    expect(await run(engine, '{ both }')).toEqual({ data: { both: 'b' } });
  });

  it('deniedFields null a field with Unauthorized; wildcards and bare types do nothing (§8.28)', async () => {
    const things = buildEngine(SDL, [{ coordinate: 'Query.thing', code: `export function request(ctx) { return { payload: { id: '1', limit: 5 } }; }\nexport function response(ctx) { return ctx.result; }` }]);
    const denied = await run(things, '{ thing { id limit } }', { caller: lambdaCaller({ userId: 'u' }, ['Thing.limit']) });
    expect(denied).toMatchObject({ data: { thing: { id: '1', limit: null } }, errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access limit on type Thing', path: ['thing', 'limit'] }] });
    const ignored = await run(things, '{ thing { id limit } }', { caller: lambdaCaller({ userId: 'u' }, ['Thing', 'Thing.*']) });
    expect(ignored).toEqual({ data: { thing: { id: '1', limit: 5 } } });
  });
});

describe('schemas and limits', () => {
  it('load AppSync SDL that uses AWS scalars and directives without declaring them (§8.30)', async () => {
    const engine = buildEngine(SDL, [{ coordinate: 'Query.when', code: `export function request(ctx) { return { payload: util.time.nowISO8601() }; }\nexport function response(ctx) { return ctx.result; }` }]);
    expect(await run(engine, '{ when }')).toEqual({ data: { when: '2021-02-01T00:00:00.000Z' } });
  });

  it('answer an unknown field with graphql-java’s FieldUndefined message and path null (§8.32)', async () => {
    const engine = buildEngine(SDL, []);
    expect(await run(engine, '{ badfield }')).toEqual({
      data: null,
      errors: [{ path: null, locations: [{ line: 1, column: 3, sourceName: null }], message: "Validation error of type FieldUndefined: Field 'badfield' in type 'Query' is undefined @ 'badfield'" }],
    });
  });

  it('stop resolving past the resolver count limit with ResolverExecutionLimitReached (§5.3, §8.34)', async () => {
    const engine = buildEngine(
      SDL,
      [
        { coordinate: 'Query.things', code: `export function request(ctx) { return { payload: [{ id: '1' }, { id: '2' }, { id: '3' }, { id: '4' }] }; }\nexport function response(ctx) { return ctx.result; }` },
        { coordinate: 'Thing.name', code: `export function request(ctx) { return { payload: 'n' + ctx.source.id }; }\nexport function response(ctx) { return ctx.result; }` },
      ],
      { resolverCountLimit: 3 },
    );
    const out = await run(engine, '{ things { id name } }');
    expect(out.data).toEqual({ things: [{ id: '1', name: 'n1' }, { id: '2', name: 'n2' }, { id: '3', name: null }, { id: '4', name: null }] });
    expect(out.errors?.map((e) => ('errorType' in e ? e.errorType : null))).toEqual(['ResolverExecutionLimitReached', 'ResolverExecutionLimitReached']);
  });

  it('refuse a query deeper than the depth limit before running any resolver (§8.34)', async () => {
    let ran = false;
    const engine = buildEngine(
      SDL,
      [
        {
          coordinate: 'Query.thing',
          code: passthrough,
          dataSource: async () => {
            ran = true;
            return { result: { id: '1' } };
          },
        },
      ],
      { queryDepthLimit: 2 },
    );
    const out = await run(engine, '{ thing { nested { nested { id } } } }');
    expect(out.data).toBeNull();
    expect(out.errors?.[0]?.message).toMatch(/depth/);
    expect(ran).toBe(false);
  });

  // 23 levels froze the emulator for ~20 s when each spread was walked again; 40 would take days.
  const doubling = (levels: number) =>
    '{ thing { ...F0 } }\n' + Array.from({ length: levels }, (_, i) => `fragment F${i} on Thing { name ${i + 1 < levels ? `...F${i + 1} ...F${i + 1}` : ''} }`).join('\n');

  it('check depth, collect selectionSetList and filter error data once per fragment, however often fragments spread each other', async () => {
    const engine = buildEngine(
      SDL,
      [
        {
          coordinate: 'Query.thing',
          code: `import { util } from '@aws-appsync/utils';\nexport function request(ctx) { return { payload: ctx.info.selectionSetList }; }\nexport function response(ctx) { util.error('listed', 'Listed', { name: ctx.result.join(','), id: 'hidden' }); }`,
        },
      ],
      { queryDepthLimit: 5 },
    );
    const out = await run(engine, doubling(40));
    expect(out.errors).toMatchObject([{ errorType: 'Listed', data: { name: 'name' } }]);
  });

  it('refuse by depth a document whose fragments nest fields and spread each other twice', async () => {
    const engine = buildEngine(SDL, [{ coordinate: 'Query.thing', code: passthrough }], { queryDepthLimit: 10 });
    const nested =
      '{ thing { ...F0 } }\n' + Array.from({ length: 40 }, (_, i) => `fragment F${i} on Thing { nested { id ${i + 1 < 40 ? `...F${i + 1} ...F${i + 1}` : ''} } }`).join('\n');
    const out = await run(engine, nested);
    expect(out).toMatchObject({ data: null, errors: [{ errorType: 'QueryDepthLimitExceeded', message: 'Query depth 42 exceeds the maximum depth of 10.' }] });
  });

  it('keep parsed documents within a byte budget, and never keep one over 64 KB', async () => {
    const engine = buildEngine(SDL, [{ coordinate: 'Query.ping', code: `export function request(ctx) { return { payload: 'pong' }; }\nexport function response(ctx) { return ctx.result; }` }]);
    const padded = (i: number, bytes: number) => `{ ping } # ${i} ${'x'.repeat(bytes)}`;
    expect(await run(engine, padded(0, 200 * 1024))).toEqual({ data: { ping: 'pong' } });
    expect(engine.cachedDocuments).toEqual({ entries: 0, bytes: 0 });
    for (let i = 0; i < 40; i += 1) await run(engine, padded(i, 60 * 1024));
    expect(engine.cachedDocuments.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(engine.cachedDocuments.entries).toBe(17);
    expect(await run(engine, padded(39, 60 * 1024))).toEqual({ data: { ping: 'pong' } });
  });
});
