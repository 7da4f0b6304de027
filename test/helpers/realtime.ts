// A raw AppSync real-time client for protocol tests: opens the socket the way stock clients do
// (graphql-ws plus a header-<base64url> subprotocol, or the query string, or HTTP headers),
// queues every frame, and waits for frames by type, so tests read like the protocol.
import { WebSocket } from 'ws';

export type Frame = { type: string; id?: string; payload?: Record<string, unknown> } & Record<string, unknown>;

export const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
export const headerProtocol = (header: Record<string, string>) => `header-${base64url(header)}`;

export interface OpenOptions {
  protocols?: string[];
  headers?: Record<string, string>;
  ca?: string;
}

export class RealtimeSocket {
  private readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of this.waiters.splice(0)) w();
    }));
  }

  static open(url: string, options: OpenOptions = {}): Promise<RealtimeSocket> {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers, ca: options.ca });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RealtimeSocket(ws)));
      ws.once('error', reject);
    });
  }

  /** The HTTP answer to an upgrade the server refused. */
  static refusal(url: string, options: OpenOptions = {}): Promise<{ status: number; errorType: string | undefined; body: string }> {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers, ca: options.ca });
    return new Promise((resolve, reject) => {
      ws.once('open', () => reject(new Error('the upgrade was accepted')));
      ws.once('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, errorType: res.headers['x-amzn-errortype'] as string | undefined, body }));
      });
    });
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame, whatever it is (fails after `timeoutMs`). */
  async next(timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('the socket closed before another frame arrived');
      if (Date.now() > deadline) throw new Error('no frame arrived');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames.shift()!;
  }

  /** The next frame that is not a keep-alive. */
  async nextOtherThanKa(timeoutMs?: number): Promise<Frame> {
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (frame.type !== 'ka') return frame;
    }
  }

  /** connection_init, then connection_ack and the first ka. */
  async init(): Promise<Frame> {
    this.send({ type: 'connection_init' });
    const ack = await this.next();
    if (ack.type !== 'connection_ack') throw new Error(`expected connection_ack, got ${JSON.stringify(ack)}`);
    const ka = await this.next();
    if (ka.type !== 'ka') throw new Error(`expected ka, got ${JSON.stringify(ka)}`);
    return ack;
  }

  start(id: string, query: string, variables: Record<string, unknown>, authorization: Record<string, string>): void {
    this.send({ id, type: 'start', payload: { data: JSON.stringify({ query, variables }), extensions: { authorization } } });
  }

  close(): void {
    this.ws.close();
  }
}

export const ON_PROMPT_EVENT = 'subscription On($promptId: ID!) { onPromptEvent(promptId: $promptId) { promptId userId seq kind text } }';
