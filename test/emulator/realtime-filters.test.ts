// Argument filtering, enhanced filters that replace it, and invalidation, on a small schema of
// our own: the real-time layer attached to a bare HTTP server, an in-process engine (inline
// APPSYNC_JS resolvers) and an API-key authorizer; mutations run through the engine and publish.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestAuthorizer } from '../../emulator/appsync/auth.ts';
import type { Engine } from '../../emulator/appsync/engine.ts';
import { attachRealtime, type Realtime } from '../../emulator/realtime/index.ts';
import { apiKeyCaller, buildEngine, run } from '../helpers/engine.ts';
import { headerProtocol, RealtimeSocket } from '../helpers/realtime.ts';

const SDL = `
schema { query: Query mutation: Mutation subscription: Subscription }
type Query @aws_api_key { ping: String }
type Item @aws_api_key { id: ID! owner: String group: String n: Int }
type Mutation @aws_api_key {
  put(id: ID!, owner: String, group: String, n: Int): Item
  kick(field: String!, owner: String!, times: Int!): Boolean
}
type Subscription @aws_api_key {
  onPut(owner: String, group: String): Item @aws_subscribe(mutations: ["put"])
  onBig(owner: String): Item @aws_subscribe(mutations: ["put"])
  onSecret: Secret @aws_subscribe(mutations: ["putSecret"])
}
"No directive: the default mode's (AWS_LAMBDA) only, so an API-key publisher may not read it."
type Secret { id: ID! }
extend type Mutation { putSecret(id: ID!): Secret @aws_api_key }
`;

const PASS = `export function request(ctx) { return { payload: ctx.args }; }
export function response(ctx) { return ctx.result; }`;

let engine: Engine;
let server: Server;
let realtime: Realtime;
let url: string;
const auth = { 'x-api-key': 'da2-test', host: 'localhost' };

beforeAll(async () => {
  engine = buildEngine(
    SDL,
    [
      { coordinate: 'Mutation.put', code: PASS },
      { coordinate: 'Mutation.putSecret', code: PASS },
      {
        coordinate: 'Mutation.kick',
        code: `import { extensions } from '@aws-appsync/utils';
export function request(ctx) { return { payload: null }; }
export function response(ctx) {
  for (const i of [0, 1, 2, 3, 4, 5, 6, 7].slice(0, ctx.args.times)) {
    extensions.invalidateSubscriptions({ subscriptionField: ctx.args.field, payload: { owner: ctx.args.owner, attempt: i } });
  }
  return true;
}`,
      },
      {
        // Enhanced filter that ignores the owner argument: only n > 5 gets through, whoever owns it.
        coordinate: 'Subscription.onBig',
        code: `import { extensions, util } from '@aws-appsync/utils';
export function request(ctx) { return { payload: null }; }
export function response(ctx) {
  extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter({ n: { gt: 5 } }));
  extensions.setSubscriptionInvalidationFilter(util.transform.toSubscriptionFilter({ owner: { eq: 'kicked' } }));
  return null;
}`,
      },
    ],
    { defaultMode: 'AWS_LAMBDA' },
  );
  const authorizer = new RequestAuthorizer({
    apiId: 'test',
    defaultMode: 'API_KEY',
    additionalModes: [],
    apiKey: 'da2-test',
    lambda: null,
    invokeAuthorizer: async () => ({ ok: false, errorType: 'None', errorMessage: 'none' }),
    now: Date.now,
    warn: () => undefined,
  });
  server = createServer((_req, res) => res.writeHead(404).end());
  realtime = attachRealtime({ servers: [server], engine, authorizer, env: {}, now: Date.now, log: () => undefined });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql/realtime`;
});

afterAll(async () => {
  await realtime?.close();
  if (server) await new Promise<void>((r) => server.close(() => r()));
});

async function socket(): Promise<RealtimeSocket> {
  const s = await RealtimeSocket.open(url, { protocols: ['graphql-ws', headerProtocol(auth)] });
  await s.init();
  return s;
}

async function start(s: RealtimeSocket, id: string, query: string): Promise<void> {
  s.start(id, query, {}, auth);
  expect(await s.nextOtherThanKa()).toEqual({ id, type: 'start_ack' });
}

/** Runs a mutation through the engine, then fans it out as start.ts does. */
async function mutate(query: string) {
  return run(engine, query, { caller: apiKeyCaller, onEffects: (effects) => realtime.publish(effects) });
}

describe('closing', () => {
  it('frees the connection and its subscriptions', async () => {
    // First in the file, so no other test's socket is still closing.
    const [connections, subscriptions] = [realtime.connections, realtime.subscriptions];
    const s = await socket();
    await start(s, 'a', 'subscription { onPut { id } }');
    await start(s, 'b', 'subscription { onBig { id } }');
    expect([realtime.connections, realtime.subscriptions]).toEqual([connections + 1, subscriptions + 2]);
    s.close();
    await s.closed;
    // The server hears the close a moment after the client: wait for it, boundedly.
    for (let i = 0; i < 100 && realtime.connections > connections; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect([realtime.connections, realtime.subscriptions]).toEqual([connections, subscriptions]);
  });
});

describe('argument filtering', () => {
  it('delivers when every given argument equals the result’s field, an omitted one matching anything', async () => {
    const s = await socket();
    await start(s, 'alice', 'subscription { onPut(owner: "alice") { id } }');
    await start(s, 'all', 'subscription { onPut { id owner } }');
    await start(s, 'ag', 'subscription { onPut(owner: "alice", group: "g") { id } }');
    await start(s, 'nogroup', 'subscription { onPut(group: null) { id } }');
    await mutate('mutation { put(id: "1", owner: "alice", group: "h") { id owner group } }');
    // group not selected: absent, which an explicit null matches; owner not selected: "alice" cannot match.
    await mutate('mutation { put(id: "2", owner: "alice") { id } }');
    const frames = await Promise.all([1, 2, 3, 4].map(() => s.nextOtherThanKa()));
    expect(frames.map((f) => f.id)).toEqual(['alice', 'all', 'all', 'nogroup']);
    expect(frames[1]).toEqual({ id: 'all', type: 'data', payload: { data: { onPut: { id: '1', owner: 'alice' } } } });
    expect(frames[2]).toEqual({ id: 'all', type: 'data', payload: { data: { onPut: { id: '2', owner: null } } } });
    s.close();
  });
});

describe('a publish', () => {
  it('whose return type the publisher may not read answers 200 with Not Authorized and delivers nothing', async () => {
    const s = await socket();
    await start(s, 'secret', 'subscription { onSecret { id } }');
    await start(s, 'items', 'subscription { onPut { id } }');
    const out = await mutate('mutation { putSecret(id: "s1") { id } }');
    expect(out).toMatchObject({ data: { putSecret: null }, errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access id on type Secret' }] });
    await mutate('mutation { put(id: "visible") { id } }');
    expect(await s.nextOtherThanKa()).toMatchObject({ id: 'items', payload: { data: { onPut: { id: 'visible' } } } });
    s.close();
  });
});

describe('an enhanced filter', () => {
  it('replaces argument filtering: onBig(owner: "x") gets every n > 5, whoever the owner', async () => {
    const s = await socket();
    await start(s, 'big', 'subscription { onBig(owner: "x") { id n } }');
    await mutate('mutation { put(id: "small", owner: "x", n: 3) { id owner n } }');
    await mutate('mutation { put(id: "large", owner: "y", n: 9) { id owner n } }');
    expect(await s.nextOtherThanKa()).toEqual({ id: 'big', type: 'data', payload: { data: { onBig: { id: 'large', n: 9 } } } });
    s.close();
  });
});

describe('invalidation', () => {
  it('closes the connections whose invalidation filter matches the payload, and only those', async () => {
    const kicked = await socket();
    const kept = await socket();
    await start(kicked, 'k', 'subscription { onBig { id } }');
    await start(kept, 'plain', 'subscription { onPut { id } }');
    // onPut has no invalidation filter: invalidating onPut reaches nobody; onBig's filter is on owner.
    await mutate('mutation { kick(field: "onPut", owner: "kicked", times: 1) }');
    await mutate('mutation { kick(field: "onBig", owner: "kicked", times: 1) }');
    expect(await kicked.nextOtherThanKa()).toEqual({ type: 'complete', id: 'k', payload: { message: 'Subscription complete.' } });
    expect((await kicked.closed).code).toBe(1000);
    await mutate('mutation { put(id: "after", n: 1) { id n } }');
    expect(await kept.nextOtherThanKa()).toMatchObject({ id: 'plain', payload: { data: { onPut: { id: 'after' } } } });
    kept.close();
  });

  it('allows at most 5 unique invalidateSubscriptions calls in one request; more is a GraphQL error', async () => {
    const ok = await run(engine, 'mutation { kick(field: "onPut", owner: "o", times: 5) }', { caller: apiKeyCaller });
    expect(ok.errors).toBeUndefined();
    let invalidations = 0;
    const over = await run(engine, 'mutation { kick(field: "onPut", owner: "o", times: 6) }', { caller: apiKeyCaller, onEffects: (e) => (invalidations = e.invalidations.length) });
    expect(over.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('at most 5 unique') })]);
    expect(invalidations).toBe(5);
  });
});
