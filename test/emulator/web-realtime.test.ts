// The web page's AppSync real-time client (web/src/api/realtime.ts, used by the API view's
// subscriptions and by the chat's streamed answers) against the emulator's real-time endpoint, with
// Node's `ws` as its WebSocket.
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../client/index.ts';
import { RealtimeClient, SubscriptionError, type SubscriptionResult, type WebSocketClass } from '../../web/src/api/realtime.ts';
import { promptEvents, streamingSource, type AnswerEvent, type AnswerSource, type PromptRequest } from '../../web/src/chat/source.ts';
import { Session } from '../../web/src/session.ts';
import { turnsReducer } from '../../web/src/chat/turns.ts';
import { problemOf } from '../../web/src/problem.ts';
import { useEmulator } from '../helpers/emulator.ts';
import { eventually } from '../helpers/eventually.ts';
import { iamGraphQL, PUBLISH_PROMPT_EVENT } from '../helpers/iam.ts';

const emulator = useEmulator();

const SUBSCRIPTION = 'subscription On($promptId: ID!) { onPromptEvent(promptId: $promptId) { promptId userId seq kind text } }';

function client(): RealtimeClient {
  return new RealtimeClient({ graphqlUrl: emulator.api.graphqlUrl, realtimeUrl: emulator.api.realtimeUrl, WebSocket: WebSocket as unknown as WebSocketClass, ackTimeoutMs: 10_000 });
}

const publish = (event: Record<string, unknown>) => iamGraphQL(emulator.api.graphqlUrl, emulator.api.functionCredentials('StreamFunction'), { query: PUBLISH_PROMPT_EVENT, variables: { event } });

describe('the web page’s real-time client', () => {
  it('subscribes with the token, receives the owner’s events in order from start_ack on, and stops', async () => {
    const user = await emulator.freshUser('web-rt');
    const rt = client();
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const stream = rt.subscribe({ query: SUBSCRIPTION, variables: { promptId: 'p-1' } }, { Authorization: `Bearer ${user.token}` }, { onStarted: () => started() });
    const received: SubscriptionResult[] = [];
    const reading = (async () => {
      for await (const result of stream) {
        received.push(result);
        if (received.length === 2) break; // ends the subscription: sends stop
      }
    })();
    await ready;
    await publish({ promptId: 'p-1', userId: 'someone-else', seq: 0, kind: 'TEXT', text: 'not yours', offset: 0 });
    await publish({ promptId: 'p-1', userId: user.id, seq: 0, kind: 'TEXT', text: 'Hel', offset: 0 });
    await publish({ promptId: 'p-1', userId: user.id, seq: 1, kind: 'TEXT', text: 'lo', offset: 3 });
    await reading;
    expect(received.map((r) => (r.data?.onPromptEvent as { text: string }).text)).toEqual(['Hel', 'lo']);
    rt.close();
  });

  it('ends the subscription with AppSync’s error when the token is refused', async () => {
    const rt = client();
    const stream = rt.subscribe({ query: SUBSCRIPTION, variables: { promptId: 'p-2' } }, { Authorization: 'Bearer not.a.token' });
    const error = await stream.next().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SubscriptionError);
    expect((error as SubscriptionError).errorType).toBe('UnauthorizedException');
    rt.close();
  });

  it('reports a subscription the API refuses (an unknown field) as an error of that subscription', async () => {
    const user = await emulator.freshUser('web-rt-bad');
    const rt = client();
    const stream = rt.subscribe({ query: 'subscription { onNothing { x } }' }, { Authorization: `Bearer ${user.token}` });
    const error = (await stream.next().catch((e: unknown) => e)) as SubscriptionError;
    expect(error).toBeInstanceOf(SubscriptionError);
    expect(error.message).toContain("Field 'onNothing' in type 'Subscription' is undefined");
    rt.close();
  });
});

describe('a prompt’s events as the chat reads them', () => {
  const request: PromptRequest = { prompt: 'Hi', options: { model: 'us.amazon.nova-2-lite-v1:0' }, idempotencyKey: 'i', conversationId: null };

  /** promptEvents for one prompt, resolved once subscribed, and everything it yields (or throws). */
  async function follow(token: string, promptId: string, signal = new AbortController().signal) {
    const rt = client();
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const events: AnswerEvent[] = [];
    const done = (async () => {
      for await (const event of promptEvents(rt, emulator.api.realtimeUrl, token, promptId, request, signal, { onStarted: () => started() })) events.push(event);
    })().finally(() => rt.close());
    await Promise.race([ready, done]); // a refused subscription never starts: done throws
    return { events, done };
  }

  it('puts the answer together whatever the order, drops a repeat, and ends with DONE only when every event before it came', async () => {
    const user = await emulator.freshUser('web-stream');
    const { events, done } = await follow(user.token, 'p-10');
    const base = { promptId: 'p-10', userId: user.id };
    await publish({ ...base, seq: 1, kind: 'TEXT', text: 'lo, ', offset: 3 });
    await publish({ ...base, seq: 3, kind: 'DONE', status: 'COMPLETED', usage: { inputTokens: 2, outputTokens: 4 }, queries: 1, balance: 2 });
    await publish({ ...base, seq: 1, kind: 'TEXT', text: 'lo, ', offset: 3 });
    await publish({ ...base, seq: 0, kind: 'TEXT', text: 'Hel', offset: 0 });
    await publish({ ...base, seq: 2, kind: 'TEXT', text: 'world', offset: 7 });
    await done;
    expect(events.map((e) => e.kind)).toEqual(['text', 'text', 'text', 'done']);
    let turns = turnsReducer([], { type: 'send', key: 'k', prompt: 'Hi', options: request.options, idempotencyKey: 'i' });
    for (const event of events) turns = turnsReducer(turns, { type: 'event', key: 'k', event });
    expect(turns[0]).toMatchObject({ state: 'done', text: 'Hello, world', gap: false, promptId: 'p-10', answer: { balance: 2, usage: { inputTokens: 2, outputTokens: 4 } } });
  });

  it('throws ERROR as the API’s error, so the chat offers Retry', async () => {
    const user = await emulator.freshUser('web-stream-error');
    const { done } = await follow(user.token, 'p-11');
    await publish({ promptId: 'p-11', userId: user.id, seq: 0, kind: 'ERROR', errorType: 'ModelError', message: 'The model is busy.', retryable: true });
    const error = await done.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateError);
    expect(problemOf(error)).toMatchObject({ errorType: 'ModelError', retryable: true });
  });

  it('ends the subscription when the person stops', async () => {
    const user = await emulator.freshUser('web-stream-stop');
    const stop = new AbortController();
    const { events, done } = await follow(user.token, 'p-12', stop.signal);
    await publish({ promptId: 'p-12', userId: user.id, seq: 0, kind: 'TEXT', text: 'Hel', offset: 0 });
    await eventually(() => events.length).toBe(1);
    stop.abort();
    await done;
    expect(events).toEqual([{ kind: 'text', text: 'Hel', offset: 0 }]);
  });

  it('reads a refused token as a signed-out session', async () => {
    const error = await follow('not.a.token', 'p-13').then(
      ({ done }) => done.then(() => null, (e: unknown) => e),
      (e: unknown) => e,
    );
    expect(problemOf(error)).toMatchObject({ signedOut: true });
  });
});

describe('the chat’s streaming source (web/src/chat/source.ts)', () => {
  const memoryStorage = () => {
    const items = new Map<string, string>();
    return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
  };
  const sessionOf = (user: { token: string; email: string }) => {
    const session = new Session({ stackName: 't', graphqlUrl: emulator.api.graphqlUrl, apiKey: emulator.api.apiKey, limits: { maxPromptChars: 4000, maxOutputTokens: 1024, streamMaxOutputTokens: 4096, temperature: { min: 0, max: 1 } }, apiViewCss: '' }, memoryStorage(), emulator.api.graphqlUrl);
    session.signIn({ token: user.token, email: user.email, expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    return session;
  };
  const ask = async (source: AnswerSource, prompt: string) => {
    const events: AnswerEvent[] = [];
    for await (const event of source.ask({ prompt, options: {}, idempotencyKey: `k-${prompt}`, conversationId: null }, new AbortController().signal)) events.push(event);
    return events;
  };

  it('subscribes, starts the prompt and ends with the answer the log holds', async () => {
    const user = await emulator.freshUser('web-source');
    const session = sessionOf(user);
    const rt = client();
    try {
      const events = await ask(streamingSource(session, rt, emulator.api.realtimeUrl), 'Stream this, please.');
      // Text may come before startPrompt's answer does (the stream function is that quick here); the end names the prompt.
      const end = events.at(-1) as Extract<AnswerEvent, { kind: 'done' }>;
      expect(end.kind).toBe('done');
      const id = end.answer.id;
      expect(events.filter((e) => e.kind === 'text').length).toBeGreaterThan(0);
      let turns = turnsReducer([], { type: 'send', key: 'k', prompt: 'Stream this, please.', options: {}, idempotencyKey: 'i' });
      for (const event of events) turns = turnsReducer(turns, { type: 'event', key: 'k', event });
      const logged = await user.client.prompt(id);
      expect(turns[0]).toMatchObject({ state: 'done', text: logged.response, promptId: id });
      expect(logged.status).toBe('COMPLETED');
    } finally {
      rt.close();
    }
  });

  it('ends at once with the API’s error when startPrompt refuses the prompt, with no event to wait for', async () => {
    const user = await emulator.freshUser('web-refused');
    const rt = client();
    try {
      const source = streamingSource(sessionOf(user), rt, emulator.api.realtimeUrl);
      const asking = (async () => {
        for await (const event of source.ask({ prompt: 'Too long an answer', options: { maxTokens: 1_000_000 }, idempotencyKey: 'k', conversationId: null }, new AbortController().signal)) void event;
      })();
      const error = await asking.then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(TollgateError);
      expect((error as TollgateError).errorType).toBe('ValidationError');
      expect((await user.client.myUsage()).queries).toBe(0);
    } finally {
      rt.close();
    }
  });

  it('asks with sendPrompt when the real-time endpoint cannot be reached, before anything was started', async () => {
    const user = await emulator.freshUser('web-fallback');
    const session = sessionOf(user);
    const nowhere = 'ws://127.0.0.1:9/graphql/realtime'; // the discard port: nothing listens there
    const rt = new RealtimeClient({ graphqlUrl: emulator.api.graphqlUrl, realtimeUrl: nowhere, WebSocket: WebSocket as unknown as WebSocketClass, ackTimeoutMs: 10_000 });
    try {
      const events = await ask(streamingSource(session, rt, nowhere), 'No socket here.');
      expect(events.map((e) => e.kind)).toEqual(['admitted', 'text', 'done']);
      const done = events[2] as Extract<AnswerEvent, { kind: 'done' }>;
      expect((await user.client.myUsage()).queries).toBe(1);
      expect((await user.client.prompt(done.answer.id)).response).toBe((events[1] as { text: string }).text);
    } finally {
      rt.close();
    }
  });
});
