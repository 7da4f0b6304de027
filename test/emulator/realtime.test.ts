// AppSync's real-time protocol on the emulator, frame by frame (APPSYNC-REALTIME.md §8): the
// handshake in its three forms, every message type, every refusal, filters, limits and
// invalidation. Events are published as the model function will: IAM-signed publishPromptEvent.
// "Receives nothing" is shown without timers: a later event that does arrive comes first.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../emulator/synth.ts';
import { PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';
import { iamGraphQL, PUBLISH_PROMPT_EVENT, signPost } from '../helpers/iam.ts';
import { headerProtocol, ON_PROMPT_EVENT, RealtimeSocket } from '../helpers/realtime.ts';

let api: TestEmulator;
let host: string;

beforeAll(async () => {
  api = await startTestEmulator({ realtime: { maxSubscriptionsPerConnection: 3, maxStartsPerSecond: 20, maxPayloadBytes: 4096 } });
  host = new URL(api.graphqlUrl).host;
});

afterAll(async () => {
  await api?.stop();
});

interface User {
  userId: string;
  token: string;
  auth: Record<string, string>;
}

async function user(label: string): Promise<User> {
  const email = uniqueEmail(label);
  const client = api.client();
  const { id } = await client.register(email, PASSWORD);
  const { token } = await client.login(email, PASSWORD);
  return { userId: id, token, auth: { Authorization: `Bearer ${token}`, host } };
}

/** An acknowledged connection authorized with the user's token in the header- subprotocol. */
async function connect(u: User): Promise<RealtimeSocket> {
  const socket = await RealtimeSocket.open(api.realtimeUrl, { protocols: ['graphql-ws', headerProtocol(u.auth)] });
  await socket.init();
  return socket;
}

async function subscribe(socket: RealtimeSocket, u: User, id: string, promptId: string, query = ON_PROMPT_EVENT): Promise<void> {
  socket.start(id, query, { promptId }, u.auth);
  expect(await socket.nextOtherThanKa()).toEqual({ id, type: 'start_ack' });
}

let seq = 0;
async function publish(event: Record<string, unknown>, selection = 'promptId userId seq kind text') {
  const out = await iamGraphQL(api.graphqlUrl, api.functionCredentials('StreamFunction'), {
    query: PUBLISH_PROMPT_EVENT.replace(/publishPromptEvent\(event: \$event\) \{[^]*\}\s*\}\s*$/, `publishPromptEvent(event: $event) { ${selection} } }`),
    variables: { event: { seq: (seq += 1), kind: 'TEXT', text: 'x', ...event } },
  });
  expect(out.status).toBe(200);
  expect(out.body.errors).toBeUndefined();
  return out.body.data;
}

describe('the handshake', () => {
  it('upgrades /graphql/realtime with graphql-ws, echoes only graphql-ws, acks with connectionTimeoutMs and sends a ka at once', async () => {
    const u = await user('hs');
    const socket = await RealtimeSocket.open(api.realtimeUrl, { protocols: ['graphql-ws', headerProtocol(u.auth)] });
    expect(socket.protocol).toBe('graphql-ws');
    socket.send({ type: 'connection_init' });
    expect(await socket.next()).toEqual({ type: 'connection_ack', payload: { connectionTimeoutMs: 300000 } });
    expect(await socket.next()).toEqual({ type: 'ka' });
    socket.close();
  });

  it('takes the header from the query string (raw base64 with +, and payload=e30=) and from plain HTTP headers, also on /graphql', async () => {
    const u = await user('hs2');
    // Padding the JSON until its standard base64 holds a '+', which a form decoder turns into a space.
    let header = { ...u.auth, pad: '' };
    while (!Buffer.from(JSON.stringify(header)).toString('base64').includes('+')) header = { ...header, pad: header.pad + '~' };
    const b64 = Buffer.from(JSON.stringify(header)).toString('base64');
    const viaQuery = await RealtimeSocket.open(`${api.graphqlUrl.replace('http', 'ws')}?header=${b64}&payload=e30=`, { protocols: ['graphql-ws'] });
    await viaQuery.init();
    await subscribe(viaQuery, u, 'q1', 'p-query');

    const viaHeaders = await RealtimeSocket.open(api.realtimeUrl, { protocols: ['graphql-ws'], headers: { authorization: u.auth.Authorization! } });
    await viaHeaders.init();
    await subscribe(viaHeaders, u, 'h1', 'p-headers');
    viaQuery.close();
    viaHeaders.close();
  });

  it('answers an upgrade with no authorization at all with HTTP 401 UnauthorizedException', async () => {
    const refused = await RealtimeSocket.refusal(api.realtimeUrl, { protocols: ['graphql-ws'] });
    expect(refused).toMatchObject({ status: 401, errorType: 'UnauthorizedException' });
    expect(JSON.parse(refused.body)).toEqual({ errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] });
  });

  it('answers connection_init with connection_error 401 for a refused token, then closes', async () => {
    const socket = await RealtimeSocket.open(api.realtimeUrl, { protocols: ['graphql-ws', headerProtocol({ Authorization: 'Bearer aaaaaaaaaaaa.bbbbbbbbbbbb.cccccccccccc', host })] });
    socket.send({ type: 'connection_init' });
    expect(await socket.next()).toEqual({
      type: 'connection_error',
      payload: { errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.', errorCode: 401 }] },
    });
    expect((await socket.closed).code).toBe(1000);
  });

  it('answers a connection without the graphql-ws subprotocol with SubProtocolNotSupportedError', async () => {
    const u = await user('proto');
    const socket = await RealtimeSocket.open(api.realtimeUrl, { headers: { authorization: u.auth.Authorization! } });
    socket.send({ type: 'connection_init' });
    expect(await socket.next()).toEqual({ type: 'connection_error', payload: { errors: [{ message: 'SubProtocolNotSupportedError', errorCode: 400 }] } });
    await socket.closed;
  });

  it('answers a malformed connection_init with connection_error BadRequest 400', async () => {
    const u = await user('bad-init');
    const socket = await RealtimeSocket.open(api.realtimeUrl, { protocols: ['graphql-ws', headerProtocol(u.auth)] });
    socket.send('connection_init');
    expect(await socket.next()).toEqual({ type: 'connection_error', payload: { errors: [{ errorType: 'BadRequest', errorCode: 400 }] } });
    await socket.closed;
  });

  it('ignores frames sent before connection_ack', async () => {
    const u = await user('early');
    const socket = await RealtimeSocket.open(api.realtimeUrl, { protocols: ['graphql-ws', headerProtocol(u.auth)] });
    socket.start('early', ON_PROMPT_EVENT, { promptId: 'p' }, u.auth);
    socket.send({ type: 'stop', id: 'early' });
    await socket.init();
    // The next answer is to this stop: nothing was answered, or registered, for the early frames.
    socket.send({ type: 'stop', id: 'early' });
    expect(await socket.nextOtherThanKa()).toEqual({ type: 'error', id: 'early', payload: { errors: [{ errorType: 'UnknownOperationError', message: 'Unknown operation id early' }] } });
    socket.close();
  });

  it('accepts an IAM-signed connection (POST <graphql>/connect over {}), and refuses a bad signature with connection_error 403', async () => {
    const credentials = api.functionCredentials('StreamFunction');
    const headers = { accept: 'application/json, text/javascript', 'content-encoding': 'amz-1.0', 'content-type': 'application/json; charset=UTF-8' };
    const signed = await signPost(`${api.graphqlUrl}/connect`, '{}', credentials, headers);
    const socket = await RealtimeSocket.open(api.realtimeUrl, { protocols: ['graphql-ws', headerProtocol(signed)] });
    await socket.init();
    // onPromptEvent is the default mode's only: an IAM subscriber is refused, and the socket stays.
    const start = await signPost(api.graphqlUrl, JSON.stringify({ query: ON_PROMPT_EVENT, variables: { promptId: 'p' } }), credentials, headers);
    socket.start('iam', ON_PROMPT_EVENT, { promptId: 'p' }, start);
    expect(await socket.nextOtherThanKa()).toEqual({ type: 'error', id: 'iam', payload: { errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access onPromptEvent on type Subscription' }] } });
    socket.close();

    // Change the signature's first hex digit to another one (a fixed '0' would be no change one time in 16).
    const forged = { ...signed, authorization: signed.authorization!.replace(/Signature=(\w)/, (_m, d: string) => `Signature=${d === '0' ? '1' : '0'}`) };
    const refused = await RealtimeSocket.open(api.realtimeUrl, { protocols: ['graphql-ws', headerProtocol(forged)] });
    refused.send({ type: 'connection_init' });
    expect(await refused.next()).toMatchObject({ type: 'connection_error', payload: { errors: [{ errorType: 'InvalidSignatureException', errorCode: 403 }] } });
  });
});

describe('subscriptions', () => {
  it('deliver a matching event as data with the subscriber’s own selection, and only the owner’s', async () => {
    const [alice, mallory] = [await user('alice'), await user('mallory')];
    const a = await connect(alice);
    const m = await connect(mallory);
    await subscribe(a, alice, 'a1', 'p-alice', 'subscription { onPromptEvent(promptId: "p-alice") { seq piece: text kind } }');
    // Mallory knows the prompt id; the enhanced filter still compares the userId.
    await subscribe(m, mallory, 'm1', 'p-alice');
    await subscribe(m, mallory, 'm2', 'p-mallory');

    await publish({ promptId: 'p-alice', userId: alice.userId, text: 'Hello' });
    expect(await a.nextOtherThanKa()).toEqual({ id: 'a1', type: 'data', payload: { data: { onPromptEvent: { seq, piece: 'Hello', kind: 'TEXT' } } } });
    await publish({ promptId: 'p-mallory', userId: mallory.userId, text: 'mine' });
    expect(await m.nextOtherThanKa()).toMatchObject({ id: 'm2', type: 'data', payload: { data: { onPromptEvent: { text: 'mine', userId: mallory.userId } } } });
    a.close();
    m.close();
  });

  it('deliver only what the mutation selected: a field it did not select arrives as null', async () => {
    const u = await user('sel');
    const socket = await connect(u);
    await subscribe(socket, u, 's1', 'p-sel');
    await publish({ promptId: 'p-sel', userId: u.userId, text: 'unseen' }, 'promptId userId seq kind');
    expect(await socket.nextOtherThanKa()).toEqual({ id: 's1', type: 'data', payload: { data: { onPromptEvent: { promptId: 'p-sel', userId: u.userId, seq, kind: 'TEXT', text: null } } } });
    // The filter compares userId and promptId: a mutation that does not select them reaches no one.
    await publish({ promptId: 'p-sel', userId: u.userId, text: 'lost' }, 'seq kind text');
    await publish({ promptId: 'p-sel', userId: u.userId, text: 'found' });
    expect(await socket.nextOtherThanKa()).toMatchObject({ payload: { data: { onPromptEvent: { text: 'found' } } } });
    socket.close();
  });

  it('end with complete on stop, and nothing more arrives for that id', async () => {
    const u = await user('stop');
    const socket = await connect(u);
    await subscribe(socket, u, 'x', 'p-stop');
    await subscribe(socket, u, 'y', 'p-stop-2');
    socket.send({ type: 'stop', id: 'x' });
    expect(await socket.nextOtherThanKa()).toEqual({ type: 'complete', id: 'x' });
    await publish({ promptId: 'p-stop', userId: u.userId });
    await publish({ promptId: 'p-stop-2', userId: u.userId, text: 'after' });
    expect(await socket.nextOtherThanKa()).toMatchObject({ id: 'y', type: 'data' });
    socket.close();
  });

  it('are never replayed: an event published while nobody listens is gone', async () => {
    const u = await user('replay');
    const first = await connect(u);
    await subscribe(first, u, 'r', 'p-replay');
    first.close();
    await first.closed;
    await publish({ promptId: 'p-replay', userId: u.userId, text: 'missed' });
    const second = await connect(u);
    await subscribe(second, u, 'r', 'p-replay');
    await publish({ promptId: 'p-replay', userId: u.userId, text: 'live' });
    expect(await second.nextOtherThanKa()).toMatchObject({ payload: { data: { onPromptEvent: { text: 'live' } } } });
    second.close();
  });

  it('are not sent an event over the payload limit; the publisher still gets its answer', async () => {
    const u = await user('big');
    const socket = await connect(u);
    await subscribe(socket, u, 'b', 'p-big');
    const data = await publish({ promptId: 'p-big', userId: u.userId, text: 'y'.repeat(5000) });
    expect(data).toMatchObject({ publishPromptEvent: { promptId: 'p-big' } });
    await publish({ promptId: 'p-big', userId: u.userId, text: 'small' });
    expect(await socket.nextOtherThanKa()).toMatchObject({ payload: { data: { onPromptEvent: { text: 'small' } } } });
    expect(api.logs.some((l) => /onPromptEvent event of \d+ bytes not delivered/.test(l))).toBe(true);
    socket.close();
  });

  it('end, socket and all, with “Subscription complete.” when the user logs out everywhere; others stay', async () => {
    const [leaver, stayer] = [await user('leaver'), await user('stayer')];
    const l = await connect(leaver);
    const s = await connect(stayer);
    await subscribe(l, leaver, 'l', 'p-leave');
    await subscribe(s, stayer, 's', 'p-stay');
    await api.client(leaver.token).logoutEverywhere();
    expect(await l.nextOtherThanKa()).toEqual({ type: 'complete', id: 'l', payload: { message: 'Subscription complete.' } });
    expect(await l.closed).toEqual({ code: 1000, reason: 'Subscription complete.' });
    await publish({ promptId: 'p-stay', userId: stayer.userId, text: 'still here' });
    expect(await s.nextOtherThanKa()).toMatchObject({ id: 's', type: 'data' });
    s.close();
  });
});

describe('refusals at start', () => {
  it('refuse a reused id with DuplicatedOperationError', async () => {
    const u = await user('dup');
    const socket = await connect(u);
    await subscribe(socket, u, 'same', 'p1');
    socket.start('same', ON_PROMPT_EVENT, { promptId: 'p2' }, u.auth);
    expect(await socket.nextOtherThanKa()).toEqual({ type: 'error', id: 'same', payload: { errors: [{ errorType: 'DuplicatedOperationError', message: 'Duplicated operation with id same' }] } });
    socket.close();
  });

  it('refuse an unknown frame type without an id, and a query with UnsupportedOperation', async () => {
    const u = await user('unsupported');
    const socket = await connect(u);
    socket.send({ type: 'subscribe', id: 'gql-transport-ws' });
    expect(await socket.nextOtherThanKa()).toEqual({ type: 'error', payload: { errors: [{ errorType: 'UnsupportedOperation', message: 'unknown not supported through the realtime channel' }] } });
    socket.start('q', '{ myUsage { queries } }', {}, u.auth);
    expect(await socket.nextOtherThanKa()).toEqual({ type: 'error', id: 'q', payload: { errors: [{ errorType: 'UnsupportedOperation', message: ' not supported through the realtime channel' }] } });
    socket.send('not json');
    expect(await socket.nextOtherThanKa()).toMatchObject({ type: 'error', payload: { errors: [{ errorType: 'BadRequest' }] } });
    socket.close();
  });

  it('refuse an unknown field and bad variables with graphql-java’s messages and no errorType', async () => {
    const u = await user('invalid');
    const socket = await connect(u);
    socket.start('f', 'subscription { onNothing { seq } }', {}, u.auth);
    expect(await socket.nextOtherThanKa()).toEqual({
      type: 'error',
      id: 'f',
      payload: { errors: [{ message: "Validation error of type FieldUndefined: Field 'onNothing' in type 'Subscription' is undefined @ 'onNothing'" }] },
    });
    socket.start('v', ON_PROMPT_EVENT, {}, u.auth);
    expect(await socket.nextOtherThanKa()).toEqual({ type: 'error', id: 'v', payload: { errors: [{ message: "Variable 'promptId' has coerced Null value for NonNull type 'ID!'" }] } });
    socket.close();
  });

  it('refuse a mode the field does not allow with Unauthorized, and keep the socket open', async () => {
    const socket = await RealtimeSocket.open(api.realtimeUrl, { protocols: ['graphql-ws', headerProtocol({ 'x-api-key': api.apiKey, host })] });
    await socket.init();
    socket.start('k', ON_PROMPT_EVENT, { promptId: 'p' }, { 'x-api-key': api.apiKey, host });
    expect(await socket.nextOtherThanKa()).toEqual({ type: 'error', id: 'k', payload: { errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access onPromptEvent on type Subscription' }] } });
    socket.send({ type: 'stop', id: 'k' });
    expect(await socket.nextOtherThanKa()).toMatchObject({ type: 'error', id: 'k', payload: { errors: [{ errorType: 'UnknownOperationError' }] } });
    socket.close();
  });

  it('refuse a start whose own token is refused with UnauthorizedException', async () => {
    const u = await user('start-token');
    const socket = await connect(u);
    socket.start('t', ON_PROMPT_EVENT, { promptId: 'p' }, { Authorization: 'Bearer aaaaaaaaaaaa.bbbbbbbbbbbb.cccccccccccc', host });
    expect(await socket.nextOtherThanKa()).toEqual({ type: 'error', id: 't', payload: { errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] } });
    socket.close();
  });

  it('refuse the subscription past the per-connection cap with MaxSubscriptionsReachedError (errors as one object)', async () => {
    const u = await user('cap');
    const socket = await connect(u);
    for (const id of ['c1', 'c2', 'c3']) await subscribe(socket, u, id, id);
    socket.start('c4', ON_PROMPT_EVENT, { promptId: 'c4' }, u.auth);
    expect(await socket.nextOtherThanKa()).toEqual({ type: 'error', id: 'c4', payload: { errors: { errorType: 'MaxSubscriptionsReachedError', message: 'Max number of 3 subscriptions reached' } } });
    socket.close();
  });
});

describe('a connection', () => {
  it('refuses starts past the rate with LimitExceededError, without an id', async () => {
    const limited = await startTestEmulator({ realtime: { maxStartsPerSecond: 1 } });
    try {
      const email = uniqueEmail('rate');
      await limited.client().register(email, PASSWORD);
      const { token } = await limited.client().login(email, PASSWORD);
      const auth = { Authorization: token, host: new URL(limited.graphqlUrl).host };
      const socket = await RealtimeSocket.open(limited.realtimeUrl, { protocols: ['graphql-ws', headerProtocol(auth)] });
      await socket.init();
      socket.start('r1', ON_PROMPT_EVENT, { promptId: 'r' }, auth);
      socket.start('r2', ON_PROMPT_EVENT, { promptId: 'r' }, auth);
      const frames = [await socket.nextOtherThanKa(), await socket.nextOtherThanKa()];
      expect(frames).toContainEqual({ type: 'start_ack', id: 'r1' });
      expect(frames).toContainEqual({ type: 'error', payload: { errors: { errorType: 'LimitExceededError', message: 'Rate limit exceeded' } } });
      socket.close();
    } finally {
      await limited.stop();
    }
  });

  it('repeats ka at the keep-alive interval and is closed at the end of its lifetime', async () => {
    const quick = await startTestEmulator({ realtime: { keepAliveIntervalMs: 50, maxConnectionLifetimeMs: 400 } });
    try {
      const socket = await RealtimeSocket.open(quick.realtimeUrl, { protocols: ['graphql-ws', headerProtocol({ 'x-api-key': quick.apiKey, host: new URL(quick.graphqlUrl).host })] });
      await socket.init();
      expect(await socket.next()).toEqual({ type: 'ka' });
      expect(await socket.next()).toEqual({ type: 'ka' });
      expect(await socket.closed).toEqual({ code: 1000, reason: 'Connection lifetime reached' });
    } finally {
      await quick.stop();
    }
  });

  it('speaks wss:// on the same port with the local certificate', async () => {
    const u = await user('tls');
    const socket = await RealtimeSocket.open(api.realtimeUrl.replace('ws://', 'wss://'), { protocols: ['graphql-ws', headerProtocol(u.auth)], ca: api.tls.ca });
    await socket.init();
    await subscribe(socket, u, 'w', 'p-tls');
    await publish({ promptId: 'p-tls', userId: u.userId, text: 'secure' });
    expect(await socket.nextOtherThanKa()).toMatchObject({ payload: { data: { onPromptEvent: { text: 'secure' } } } });
    socket.close();
    const https = await fetch(api.graphqlUrl.replace('http://', 'https://'), { method: 'POST' }).catch((e: Error) => e);
    // Without the CA, TLS is refused: the certificate is the local CA's, not a public one.
    expect(https).toBeInstanceOf(Error);
  });

  it('is trusted by a Node process started with NODE_EXTRA_CA_CERTS, as the README shows', async () => {
    const u = await user('extra-ca');
    const script = `const { WebSocket } = require('ws');
      const ws = new WebSocket(process.argv[1], ['graphql-ws', process.argv[2]]);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.once('message', (d) => { console.log(JSON.parse(d).type); ws.close(); });
      ws.on('error', (e) => console.log('error: ' + e.message));`;
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<string>((resolve) => {
        execFile(process.execPath, ['-e', script, api.realtimeUrl.replace('ws://', 'wss://'), headerProtocol(u.auth)], { env, cwd: ROOT }, (_e, stdout) => resolve(stdout.trim()));
      });
    expect(await run({ ...process.env, NODE_EXTRA_CA_CERTS: api.tls.caFile })).toBe('connection_ack');
    expect(await run({ ...process.env, NODE_EXTRA_CA_CERTS: '' })).toMatch(/^error: .*certificate/);
  });
});
