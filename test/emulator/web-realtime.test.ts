// The web page's AppSync real-time client (web/src/api/realtime.ts, used by the API view's
// subscriptions and, later, by streamed answers) against the emulator's real-time endpoint, with
// Node's `ws` as its WebSocket.
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { RealtimeClient, SubscriptionError, type SubscriptionResult, type WebSocketClass } from '../../web/src/api/realtime.ts';
import { useEmulator } from '../helpers/emulator.ts';
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
