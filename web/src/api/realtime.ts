// A small AppSync real-time client (GraphQL subscriptions over WebSocket, AppSync's own
// `graphql-ws` protocol: /work/shared/APPSYNC-REALTIME.md §2–3, and
// https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html, checked
// 2026-11-30). Browsers cannot set headers on a WebSocket, so the authorization travels as the
// `header-<base64url JSON>` subprotocol (as Amplify v6 sends it) and again in each `start`.
// One connection per authorization, shared by its subscriptions and closed when the last ends.

export interface RealtimeError {
  message: string;
  errorType?: string | null;
  errorCode?: number;
}

/** What a subscriber receives: AppSync's data frames, or the errors that ended the subscription. */
export type SubscriptionResult = { data?: Record<string, unknown> | null; errors?: RealtimeError[] };

/** The `Authorization` / `x-api-key` part of the auth header; `host` is added from the GraphQL URL. */
export type RealtimeCredentials = { Authorization: string } | { 'x-api-key': string };

export interface RealtimeOptions {
  /** wss://…/graphql/realtime, or the AppSync real-time host. */
  realtimeUrl: string;
  /** The GraphQL URL, whose host (with its port) AppSync expects in the auth header. */
  graphqlUrl: string;
  /** A WebSocket class; the browser's by default (tests in Node pass `ws`). */
  WebSocket?: WebSocketClass;
  /** How long to wait for connection_ack and start_ack (Amplify waits 15 s). */
  ackTimeoutMs?: number;
}

export type WebSocketClass = new (url: string, protocols: string[]) => WebSocketLike;

export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

const OPEN = 1;

export function base64UrlJson(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

interface Frame {
  type?: string;
  id?: string;
  payload?: { data?: unknown; errors?: unknown; connectionTimeoutMs?: number; message?: string };
}

/** AppSync sends `errors` as an array, and for some refusals as one object (§3.4). */
function errorsOf(payload: Frame['payload']): RealtimeError[] {
  const raw = payload?.errors;
  const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? [raw] : [];
  const out = list.map((e) => {
    const entry = e as Record<string, unknown>;
    return {
      message: typeof entry.message === 'string' ? entry.message : String(entry.errorType ?? 'Subscription error'),
      errorType: typeof entry.errorType === 'string' ? entry.errorType : null,
      ...(typeof entry.errorCode === 'number' ? { errorCode: entry.errorCode } : {}),
    };
  });
  return out.length > 0 ? out : [{ message: payload?.message ?? 'The subscription failed.', errorType: null }];
}

interface Listener {
  started: () => void;
  data: (result: SubscriptionResult) => void;
  end: (errors?: RealtimeError[]) => void;
}

let counter = 0;
const newId = () => (globalThis.crypto?.randomUUID ? globalThis.crypto.randomUUID() : `sub-${Date.now()}-${++counter}`);

/** One WebSocket with one authorization: connection_init → ack → starts; ka watched. */
class Connection {
  private socket: WebSocketLike;
  private ready: Promise<void>;
  private readonly listeners = new Map<string, Listener>();
  private kaTimer: ReturnType<typeof setTimeout> | undefined;
  private timeoutMs = 300_000;
  closed = false;

  constructor(
    private readonly options: Required<Pick<RealtimeOptions, 'realtimeUrl' | 'ackTimeoutMs'>> & { WebSocket: WebSocketClass },
    readonly authHeader: Record<string, string>,
    private readonly onClosed: () => void,
  ) {
    this.socket = new options.WebSocket(options.realtimeUrl, ['graphql-ws', `header-${base64UrlJson(authHeader)}`]);
    this.ready = new Promise<void>((resolve, reject) => {
      const ackTimer = setTimeout(() => this.fail([{ message: `No connection_ack from ${options.realtimeUrl} within ${options.ackTimeoutMs} ms.`, errorType: 'NetworkError' }], reject), options.ackTimeoutMs);
      this.socket.onopen = () => this.socket.send(JSON.stringify({ type: 'connection_init' }));
      this.socket.onerror = () => undefined; // onclose follows with the reason
      this.socket.onclose = (event) => {
        clearTimeout(ackTimer);
        this.fail([{ message: `The real-time connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''}).`, errorType: 'NetworkError' }], reject);
      };
      this.socket.onmessage = (event) => {
        let frame: Frame;
        try {
          frame = JSON.parse(String(event.data)) as Frame;
        } catch {
          return;
        }
        if (frame.type === 'connection_ack') {
          clearTimeout(ackTimer);
          this.timeoutMs = frame.payload?.connectionTimeoutMs ?? this.timeoutMs;
          this.keepAlive();
          resolve();
        } else if (frame.type === 'connection_error') {
          clearTimeout(ackTimer);
          this.fail(errorsOf(frame.payload), reject);
        } else {
          this.dispatch(frame);
        }
      };
    });
    // A refused connection is reported to each subscriber; nobody else awaits this.
    this.ready.catch(() => undefined);
  }

  /** AppSync sends `ka` about once a minute; silence past connectionTimeoutMs means the connection is gone. */
  private keepAlive(): void {
    clearTimeout(this.kaTimer);
    this.kaTimer = setTimeout(() => this.fail([{ message: 'The real-time connection went silent (no keep-alive).', errorType: 'NetworkError' }]), this.timeoutMs);
  }

  private dispatch(frame: Frame): void {
    if (frame.type === 'ka') return this.keepAlive();
    const listener = frame.id ? this.listeners.get(frame.id) : undefined;
    if (!listener) return;
    this.keepAlive();
    if (frame.type === 'start_ack') listener.started();
    else if (frame.type === 'data') listener.data(frame.payload as SubscriptionResult);
    else if (frame.type === 'error') this.finish(frame.id!, errorsOf(frame.payload));
    else if (frame.type === 'complete') this.finish(frame.id!);
  }

  private finish(id: string, errors?: RealtimeError[]): void {
    const listener = this.listeners.get(id);
    if (!listener) return;
    this.listeners.delete(id);
    listener.end(errors);
    if (this.listeners.size === 0) this.close();
  }

  private fail(errors: RealtimeError[], reject?: (e: unknown) => void): void {
    reject?.(new Error(errors[0]!.message));
    for (const id of [...this.listeners.keys()]) this.finish(id, errors);
    this.close();
  }

  async start(query: string, variables: Record<string, unknown>, listener: Listener): Promise<string> {
    const id = newId();
    this.listeners.set(id, listener);
    try {
      await this.ready;
    } catch {
      return id; // fail() already ended the listener
    }
    if (!this.listeners.has(id)) return id;
    const ackTimer = setTimeout(() => this.finish(id, [{ message: `No start_ack within ${this.options.ackTimeoutMs} ms.`, errorType: 'NetworkError' }]), this.options.ackTimeoutMs);
    const started = listener.started;
    listener.started = () => {
      clearTimeout(ackTimer);
      started();
    };
    const end = listener.end;
    listener.end = (errors) => {
      clearTimeout(ackTimer);
      end(errors);
    };
    this.send({ id, type: 'start', payload: { data: JSON.stringify({ query, variables }), extensions: { authorization: this.authHeader } } });
    return id;
  }

  stop(id: string): void {
    if (!this.listeners.has(id)) return;
    this.send({ type: 'stop', id });
    this.finish(id);
  }

  private send(frame: unknown): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.kaTimer);
    this.socket.onclose = null;
    if (this.socket.readyState <= OPEN) this.socket.close(1000);
    this.onClosed();
  }
}

export class RealtimeClient {
  private readonly connections = new Map<string, Connection>();
  private readonly options: Required<Pick<RealtimeOptions, 'realtimeUrl' | 'ackTimeoutMs'>> & { WebSocket: WebSocketClass };
  private readonly host: string;

  constructor(options: RealtimeOptions) {
    const WebSocketImpl = options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketClass | undefined);
    if (!WebSocketImpl) throw new Error('No WebSocket implementation: pass one in the options.');
    this.options = { realtimeUrl: options.realtimeUrl, ackTimeoutMs: options.ackTimeoutMs ?? 15_000, WebSocket: WebSocketImpl };
    this.host = new URL(options.graphqlUrl).host;
  }

  private connection(credentials: RealtimeCredentials): Connection {
    const authHeader: Record<string, string> = { ...credentials, host: this.host };
    const key = JSON.stringify(authHeader);
    let connection = this.connections.get(key);
    if (!connection || connection.closed) {
      connection = new Connection(this.options, authHeader, () => {
        if (this.connections.get(key) === connection) this.connections.delete(key);
      });
      this.connections.set(key, connection);
    }
    return connection;
  }

  /**
   * Subscribes and yields each data frame until the server completes the subscription, an error
   * frame ends it (thrown as SubscriptionError), or the consumer stops iterating (sends `stop`).
   * `onStarted` runs at start_ack, from when events are delivered.
   */
  subscribe(
    request: { query: string; variables?: Record<string, unknown> },
    credentials: RealtimeCredentials,
    hooks: { onStarted?: () => void } = {},
  ): AsyncIterableIterator<SubscriptionResult> {
    const connection = this.connection(credentials);
    const queue: SubscriptionResult[] = [];
    let ended: { errors?: RealtimeError[] } | null = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      wake?.();
      wake = null;
    };
    const id = connection.start(request.query, request.variables ?? {}, {
      started: () => hooks.onStarted?.(),
      data: (result) => {
        queue.push(result);
        notify();
      },
      end: (errors) => {
        ended = { errors };
        notify();
      },
    });
    const iterator: AsyncIterableIterator<SubscriptionResult> = {
      async next() {
        for (;;) {
          if (queue.length > 0) return { value: queue.shift()!, done: false };
          if (ended) {
            if (ended.errors) throw new SubscriptionError(ended.errors);
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      async return() {
        if (!ended) {
          ended = {};
          connection.stop(await id);
        }
        notify();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  close(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}

export class SubscriptionError extends Error {
  override readonly name = 'SubscriptionError';
  readonly errorType: string | null;
  constructor(readonly errors: RealtimeError[]) {
    super(errors[0]?.message ?? 'The subscription failed.');
    this.errorType = errors[0]?.errorType ?? null;
  }
}
