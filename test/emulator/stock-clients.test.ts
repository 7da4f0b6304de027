// Stock clients subscribe to the emulator unchanged: AWS Amplify v6 (which always opens wss://,
// here trusting the emulator's local CA) and Apollo Client 3.13 through AWS's
// aws-appsync-subscription-link 3.1.5 (ws:// for an http:// URL). Events are published as the
// model function will: IAM-signed publishPromptEvent with the function's credentials.
// Node 20 has no global WebSocket; both clients call `new WebSocket(url, protocols)`, so the
// `ws` package stands in, with the local CA for wss:// (the README shows NODE_EXTRA_CA_CERTS).
import { ApolloClient, InMemoryCache } from '@apollo/client/core/index.js';
import { Amplify } from 'aws-amplify';
import { CONNECTION_STATE_CHANGE, ConnectionState, generateClient, type GraphQLSubscription } from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';
import { createSubscriptionHandshakeLink } from 'aws-appsync-subscription-link';
import { print } from 'graphql';
import { WebSocket as NodeWebSocket, type ClientOptions } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnPromptEventDocument, type OnPromptEventSubscription } from '../../client/generated/operations.ts';
import { newPromptId } from '../../client/index.ts';
import { PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';
import { iamGraphQL, PUBLISH_PROMPT_EVENT } from '../helpers/iam.ts';

let api: TestEmulator;
const globals = globalThis as { WebSocket?: unknown };
const originalWebSocket = globals.WebSocket;

beforeAll(async () => {
  api = await startTestEmulator();
  const ca = api.tls.ca;
  // What an app on Node 20 does: a WebSocket implementation, trusting the local CA.
  globals.WebSocket = class TrustingWebSocket extends NodeWebSocket {
    constructor(url: string | URL, protocols?: string | string[], options?: ClientOptions) {
      super(url, protocols, { ...options, ca });
    }
  };
});

afterAll(async () => {
  globals.WebSocket = originalWebSocket;
  await api?.stop();
});

async function user(label: string) {
  const email = uniqueEmail(label);
  const client = api.client();
  const { id } = await client.register(email, PASSWORD);
  const { token } = await client.login(email, PASSWORD);
  return { userId: id, token };
}

async function publish(event: Record<string, unknown>) {
  const out = await iamGraphQL(api.graphqlUrl, api.functionCredentials('StreamFunction'), { query: PUBLISH_PROMPT_EVENT, variables: { event } });
  expect(out.body.errors).toBeUndefined();
}

const stream = (promptId: string, userId: string) => [
  { promptId, userId, seq: 0, kind: 'TEXT', text: 'Hel', offset: 0 },
  { promptId, userId, seq: 1, kind: 'TEXT', text: 'lo', offset: 3 },
  { promptId, userId, seq: 2, kind: 'DONE', status: 'COMPLETED', usage: { inputTokens: 3, outputTokens: 2 }, queries: 1, balance: 49 },
];

type PromptEvent = OnPromptEventSubscription['onPromptEvent'];

/** Amplify bundles its own graphql-js, so it takes the document as text, typed by its result. */
function amplifySubscribe(promptId: string, token: string) {
  return generateClient().graphql<GraphQLSubscription<OnPromptEventSubscription>>({ query: print(OnPromptEventDocument), variables: { promptId }, authToken: token });
}

describe('AWS Amplify v6', () => {
  it('subscribes over wss:// with a Lambda token and receives the events in order', async () => {
    const me = await user('amplify');
    Amplify.configure({ API: { GraphQL: { endpoint: api.graphqlUrl, region: 'us-east-1', defaultAuthMode: 'lambda' } } });
    const connected = new Promise<void>((resolve) => {
      const stop = Hub.listen('api', ({ payload }) => {
        if (payload.event === CONNECTION_STATE_CHANGE && (payload.data as { connectionState: string }).connectionState === ConnectionState.Connected) {
          stop();
          resolve();
        }
      });
    });
    const received: PromptEvent[] = [];
    let failure: unknown;
    const done = new Promise<void>((resolve) => {
      const subscription = amplifySubscribe('amp-1', `Bearer ${me.token}`).subscribe({
        next: ({ data }) => {
          received.push(data.onPromptEvent);
          if (data.onPromptEvent?.kind === 'DONE') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: (error: unknown) => {
          failure = error;
          resolve();
        },
      });
    });
    await connected;
    for (const event of stream('amp-1', me.userId)) await publish(event);
    await done;
    expect(failure).toBeUndefined();
    expect(received.map((e) => [e?.seq, e?.kind, e?.text])).toEqual([
      [0, 'TEXT', 'Hel'],
      [1, 'TEXT', 'lo'],
      [2, 'DONE', null],
    ]);
    expect(received[2]).toMatchObject({ status: 'COMPLETED', usage: { inputTokens: 3, outputTokens: 2 }, queries: 1, balance: 49 });
  });

  it('receives a real stream: subscribed first on a ULID, startPrompt, every TEXT then DONE, the text the one in the log', async () => {
    const me = await user('amplify-real');
    const client = api.client(me.token);
    Amplify.configure({ API: { GraphQL: { endpoint: api.graphqlUrl, region: 'us-east-1', defaultAuthMode: 'lambda' } } });
    const promptId = newPromptId();
    const received: PromptEvent[] = [];
    let acknowledged!: () => void;
    const ready = new Promise<void>((resolve) => (acknowledged = resolve));
    const stopListening = Hub.listen('api', ({ payload }) => {
      if (payload.event === CONNECTION_STATE_CHANGE && (payload.data as { connectionState: string }).connectionState === ConnectionState.Connected) acknowledged();
    });
    const done = new Promise<void>((resolve, reject) => {
      const subscription = amplifySubscribe(promptId, `Bearer ${me.token}`).subscribe({
        next: ({ data }) => {
          received.push(data.onPromptEvent);
          if (data.onPromptEvent?.kind === 'DONE') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    await ready;
    stopListening();
    await client.startPrompt('Stream to Amplify', undefined, { promptId });
    await done;
    const text = received.filter((e) => e?.kind === 'TEXT').map((e) => e!.text).join('');
    expect(received.map((e) => e?.seq)).toEqual(received.map((_, i) => i));
    expect(received.at(-1)).toMatchObject({ kind: 'DONE', status: 'COMPLETED', queries: 1, balance: 49 });
    expect(text).toBe((await client.prompt(promptId)).response);
  });

  it('fails a subscription whose token is refused with the UnauthorizedException AppSync sends', async () => {
    Amplify.configure({ API: { GraphQL: { endpoint: api.graphqlUrl, region: 'us-east-1', defaultAuthMode: 'lambda' } } });
    const error = await new Promise<unknown>((resolve) => {
      amplifySubscribe('amp-2', 'Bearer aaaaaaaaaaaa.bbbbbbbbbbbb.cccccccccccc').subscribe({ next: () => resolve(new Error('received data')), error: resolve });
    });
    // Amplify reuses its socket: the token is refused at start, as an error frame it reports verbatim
    // (and, being an auth error, Amplify closes the socket to reconnect: APPSYNC-REALTIME.md §3.6).
    const { errors } = error as { errors: { message: string }[] };
    const reported = JSON.parse(errors[0]!.message.replace(/^Connection failed: /, '')) as unknown;
    expect(reported).toEqual({ errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] });
  });
});

describe('Apollo Client with aws-appsync-subscription-link', () => {
  it('subscribes over ws:// with a Lambda token and receives the events in order', async () => {
    const me = await user('apollo-sub');
    const apollo = new ApolloClient({
      link: createSubscriptionHandshakeLink({ url: api.graphqlUrl, region: 'us-east-1', auth: { type: 'AWS_LAMBDA', token: `Bearer ${me.token}` } }),
      cache: new InMemoryCache(),
    });
    const received: PromptEvent[] = [];
    let ready!: () => void;
    const connected = new Promise<void>((resolve) => (ready = resolve));
    const done = new Promise<void>((resolve, reject) => {
      const subscription = apollo
        .subscribe({ query: OnPromptEventDocument, variables: { promptId: 'apo-1' }, fetchPolicy: 'no-cache', context: { controlMessages: { '@@controlEvents': true } } })
        .subscribe({
          next: (result) => {
            if ((result.extensions as { controlMsgType?: string } | undefined)?.controlMsgType === 'CONNECTED') return ready();
            received.push(result.data!.onPromptEvent);
            if (result.data?.onPromptEvent?.kind === 'DONE') {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
    });
    await connected;
    for (const event of stream('apo-1', me.userId)) await publish(event);
    await done;
    expect(received.map((e) => [e?.seq, e?.kind, e?.text, e?.offset])).toEqual([
      [0, 'TEXT', 'Hel', 0],
      [1, 'TEXT', 'lo', 3],
      [2, 'DONE', null, null],
    ]);
    apollo.stop();
  });

  it('receives a real stream from startPrompt, in order, ending with DONE', async () => {
    const me = await user('apollo-real');
    const client = api.client(me.token);
    const apollo = new ApolloClient({
      link: createSubscriptionHandshakeLink({ url: api.graphqlUrl, region: 'us-east-1', auth: { type: 'AWS_LAMBDA', token: `Bearer ${me.token}` } }),
      cache: new InMemoryCache(),
    });
    const promptId = newPromptId();
    const received: PromptEvent[] = [];
    let ready!: () => void;
    const connected = new Promise<void>((resolve) => (ready = resolve));
    const done = new Promise<void>((resolve, reject) => {
      const subscription = apollo
        .subscribe({ query: OnPromptEventDocument, variables: { promptId }, fetchPolicy: 'no-cache', context: { controlMessages: { '@@controlEvents': true } } })
        .subscribe({
          next: (result) => {
            if ((result.extensions as { controlMsgType?: string } | undefined)?.controlMsgType === 'CONNECTED') return ready();
            received.push(result.data!.onPromptEvent);
            if (result.data?.onPromptEvent?.kind === 'DONE') {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
    });
    await connected;
    await client.startPrompt('Stream to Apollo', undefined, { promptId });
    await done;
    const texts = received.filter((e) => e?.kind === 'TEXT');
    expect(texts[0]).toMatchObject({ offset: 0 });
    expect(received.at(-1)).toMatchObject({ kind: 'DONE', status: 'COMPLETED' });
    expect(texts.map((e) => e!.text).join('')).toBe((await client.prompt(promptId)).response);
    apollo.stop();
  });
});
