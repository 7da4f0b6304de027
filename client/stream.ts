// Streamed prompts for the SDK: AppSync's real-time protocol over a WebSocket (graphql-ws with
// the authorization in a `header-<base64url>` subprotocol, as Amplify v6 sends it:
// https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html, checked
// 2026-11-30), subscribing to the prompt's id before starting it, so no text is lost to a race.
// Events are yielded in seq order; a socket that drops before the end is caught up from prompt(id).
import type * as ops from './generated/operations.ts';

/** The WebSocket constructor the SDK uses: the platform's, or one passed in (the `ws` package on Node 20). */
export type WebSocketLike = {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: unknown) => void): void;
};
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

export type PromptStreamEvent =
  /**
   * The prompt was admitted: its id, today's counts, the conversation it belongs to (a new one
   * when none was named) and how many earlier turns of it the model is sent.
   */
  | { kind: 'STARTED'; id: string; model: string; queries: number; balance: number; conversationId: string; contextTurns: number }
  /** The next piece of the answer; offset is where it starts in the whole answer (UTF-16 code units). */
  | { kind: 'TEXT'; text: string; offset: number }
  /**
   * How it ended. BLOCKED: a guardrail intervened, and `replacement` (its message) replaces all
   * the text shown so far.
   */
  | { kind: 'DONE'; status: ops.PromptStatus; usage: { inputTokens: number; outputTokens: number } | null; queries: number | null; balance: number | null; replacement: string | null };

type Event = NonNullable<ops.OnPromptEventSubscription['onPromptEvent']>;

/** The real-time endpoint AppSync derives from a GraphQL URL; the emulator serves /graphql/realtime on its own port. */
export function realtimeUrlOf(graphqlUrl: string): string {
  const url = new URL(graphqlUrl);
  if (url.hostname.endsWith('.amazonaws.com') && url.hostname.includes('appsync-api')) {
    return `wss://${url.hostname.replace('appsync-api', 'appsync-realtime-api')}${url.pathname}`;
  }
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${url.pathname.replace(/\/$/, '')}/realtime`;
}

const base64url = (text: string) => {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: the prompt id a client chooses so that it can subscribe first. */
export function newPromptId(now = Date.now()): string {
  let time = '';
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  const random = crypto.getRandomValues(new Uint8Array(16));
  return time + [...random].map((b) => CROCKFORD[b % 32]).join('');
}

interface Frame {
  type: string;
  id?: string;
  payload?: { data?: { onPromptEvent?: Event | null } | null; errors?: { errorType?: string; message?: string }[] } & Record<string, unknown>;
}

/**
 * One subscription on one socket: resolves once AppSync acknowledged it (start_ack); events and
 * the end of the socket are handed to the callbacks.
 */
export function subscribePrompt(
  /** The printed OnPromptEvent document (index.ts prints it: the bundle keeps one graphql import). */
  query: string,
  WebSocketImpl: WebSocketConstructor,
  graphqlUrl: string,
  realtimeUrl: string,
  token: string,
  promptId: string,
  on: { event(e: Event): void; closed(reason: string): void; refused(errors: { errorType?: string; message?: string }[]): void },
): Promise<{ close(): void }> {
  const auth = { Authorization: `Bearer ${token}`, host: new URL(graphqlUrl).host };
  const socket = new WebSocketImpl(realtimeUrl, ['graphql-ws', `header-${base64url(JSON.stringify(auth))}`]);
  const subId = newPromptId();
  let acknowledged = false;
  return new Promise((resolve, reject) => {
    const fail = (message: string, errors: { errorType?: string; message?: string }[] = []) => {
      if (!acknowledged) reject(Object.assign(new Error(message), { errors }));
      else on.refused(errors);
    };
    socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.addEventListener('error', () => fail(`The real-time endpoint ${realtimeUrl} could not be reached.`));
    socket.addEventListener('close', () => {
      if (!acknowledged) fail(`The real-time endpoint ${realtimeUrl} closed the connection.`);
      else on.closed('closed');
    });
    socket.addEventListener('message', (message) => {
      const frame = JSON.parse(String((message as { data?: unknown }).data)) as Frame;
      switch (frame.type) {
        case 'connection_ack':
          socket.send(JSON.stringify({ id: subId, type: 'start', payload: { data: JSON.stringify({ query, variables: { promptId } }), extensions: { authorization: auth } } }));
          return;
        case 'start_ack':
          acknowledged = true;
          resolve({ close: () => socket.close(1000) });
          return;
        case 'data': {
          const event = frame.payload?.data?.onPromptEvent;
          if (event) on.event(event);
          return;
        }
        case 'connection_error':
        case 'error':
          fail('The subscription was refused.', (frame.payload?.errors as { errorType?: string; message?: string }[] | undefined) ?? []);
          socket.close(1000);
          return;
        case 'complete':
          on.closed('complete');
          return;
        default:
          return;
      }
    });
  });
}

/** Puts events back in seq order (AppSync does not promise order) and knows when the stream ended. */
export class Sequencer {
  private next = 0;
  private readonly held = new Map<number, Event>();
  accept(event: Event): Event[] {
    if (event.seq < this.next) return [];
    this.held.set(event.seq, event);
    const out: Event[] = [];
    for (let e = this.held.get(this.next); e; e = this.held.get(this.next)) {
      this.held.delete(this.next);
      this.next += 1;
      out.push(e);
    }
    return out;
  }
}
