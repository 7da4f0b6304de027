// One real-time WebSocket connection, as AppSync runs it (RT, APPSYNC-REALTIME.md §2–§4):
// authorization from the handshake checked at connection_init (connection_ack with
// connectionTimeoutMs, then ka at once and every interval; or connection_error and close),
// frames before the ack ignored, then start (authorized again from its own extensions,
// validated, its resolver run once for filters) → start_ack, stop → complete, and every refusal
// as AppSync words it. Timers, ids and subscriptions are freed when the socket closes.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { isFailure, type AuthFailure, type Caller, type RawRequest, type RequestAuthorizer } from '../appsync/auth.ts';
import type { Engine, ExtensionCall, RequestState } from '../appsync/engine.ts';
import { REALTIME_CHOICES, type RealtimeSettings } from './choices.ts';
import { checkFilter, type FilterGroup } from './filters.ts';
import { parseFrame, parseStartData } from './message-type-guards.ts';
import type { RealtimeError, ServerMessage, StartMessage } from './message-types.ts';
import type { ConnectionHandle, Subscription, SubscriptionRegistry } from './registry.ts';

export interface ConnectionContext {
  engine: Engine;
  authorizer: RequestAuthorizer;
  registry: SubscriptionRegistry;
  settings: RealtimeSettings;
  env: Record<string, string>;
  /** The emulator's clock, for resolvers (util.time). */
  now(): number;
  log(line: string): void;
  /** The GraphQL path IAM signatures are made over (`/connect` appended at connect). */
  graphqlPath: string;
}

/** What the upgrade carried: the decoded auth header, or why there is none to use. */
export type Handshake = { kind: 'header'; header: Record<string, string> } | { kind: 'malformed' } | { kind: 'wrongSubprotocol' };

const lowerKeys = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).flatMap(([k, v]) => (typeof v === 'string' || typeof v === 'number' ? [[k.toLowerCase(), String(v)]] : [])));

export class RealtimeConnection implements ConnectionHandle {
  readonly id = randomUUID();
  private state: 'open' | 'initializing' | 'acked' | 'closed' = 'open';
  private readonly subscriptions = new Map<string, Subscription>();
  /** start ids whose resolver is still running; a stop for one cancels it. */
  private readonly pending = new Map<string, { cancelled: boolean }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly starts: number[] = [];
  private readonly connectAuth: Promise<Caller | AuthFailure | 'malformed' | 'wrongSubprotocol'>;

  constructor(
    private readonly socket: WebSocket,
    handshake: Handshake,
    private readonly ctx: ConnectionContext,
  ) {
    // Authorization is checked as soon as the socket opens, and answered at connection_init.
    this.connectAuth = handshake.kind !== 'header' ? Promise.resolve(handshake.kind) : this.authorize(handshake.header, { query: '', operationName: null, variables: {} }, `${ctx.graphqlPath}/connect`, '{}');
    socket.on('message', (data, isBinary) => void this.onFrame(isBinary ? null : data.toString()));
    socket.on('close', () => this.dispose());
    socket.on('error', () => this.dispose());
  }

  send(message: ServerMessage): void {
    if (this.state !== 'closed') this.socket.send(JSON.stringify(message));
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.dispose();
    this.socket.close(code, reason);
  }

  private dispose(): void {
    this.state = 'closed';
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
    for (const subscription of this.subscriptions.values()) this.ctx.registry.remove(subscription);
    this.subscriptions.clear();
    for (const p of this.pending.values()) p.cancelled = true;
    this.pending.clear();
  }

  private error(id: string | undefined, errors: RealtimeError[] | RealtimeError): void {
    this.send(id === undefined ? { type: 'error', payload: { errors } } : { type: 'error', id, payload: { errors } });
  }

  private authorize(header: Record<string, string>, request: { query: string; operationName: string | null; variables: Record<string, unknown> }, path: string, body: string) {
    const raw: RawRequest = { method: 'POST', path, query: '', body };
    return this.ctx.authorizer.authorize(header, request, raw);
  }

  private async onFrame(text: string | null): Promise<void> {
    const parsed = text === null ? ({ kind: 'notAMessage' } as const) : parseFrame(text);
    if (this.state === 'open' || this.state === 'initializing') {
      if (parsed.kind === 'notAMessage' && this.state === 'open') {
        this.send({ type: 'connection_error', payload: { errors: [REALTIME_CHOICES.malformedInit] } });
        this.close(1000, 'Bad request');
      } else if (parsed.kind === 'message' && parsed.message.type === 'connection_init' && this.state === 'open') {
        await this.acknowledge();
      }
      // Anything else before connection_ack is ignored (RT).
      return;
    }
    if (this.state === 'closed') return;
    switch (parsed.kind) {
      case 'notAMessage':
        return this.error(undefined, [{ errorType: REALTIME_CHOICES.badFrame.errorType, message: REALTIME_CHOICES.badFrame.message }]);
      case 'unknownType':
        return this.error(undefined, [{ errorType: 'UnsupportedOperation', message: REALTIME_CHOICES.unsupported('unknown') }]);
      case 'malformed':
        return this.error(parsed.id, [{ errorType: REALTIME_CHOICES.badFrame.errorType, message: parsed.reason }]);
    }
    const { message } = parsed;
    if (message.type === 'connection_init') {
      if (!REALTIME_CHOICES.ignoreRepeatedInit) this.send({ type: 'connection_ack', payload: { connectionTimeoutMs: this.ctx.settings.connectionTimeoutMs } });
      return;
    }
    if (message.type === 'stop') return this.stop(message.id);
    await this.start(message);
  }

  private async acknowledge(): Promise<void> {
    this.state = 'initializing';
    const outcome = await this.connectAuth;
    if ((this.state as string) === 'closed') return;
    if (outcome === 'wrongSubprotocol') {
      this.send({ type: 'connection_error', payload: { errors: [REALTIME_CHOICES.wrongSubprotocol] } });
      return this.close(1000, 'Unsupported subprotocol');
    }
    if (outcome === 'malformed' || isFailure(outcome)) {
      const refused = outcome === 'malformed' ? REALTIME_CHOICES.unauthorizedConnection : refusal(outcome);
      this.ctx.log(`[realtime] connection refused: ${refused.errorType}`);
      this.send({ type: 'connection_error', payload: { errors: [refused] } });
      return this.close(1000, 'Unauthorized');
    }
    const { settings } = this.ctx;
    this.state = 'acked';
    this.send({ type: 'connection_ack', payload: { connectionTimeoutMs: settings.connectionTimeoutMs } });
    this.send({ type: 'ka' });
    const keepAlive = setInterval(() => this.send({ type: 'ka' }), settings.keepAliveIntervalMs);
    const lifetime = setTimeout(() => this.close(REALTIME_CHOICES.closeAfterLifetime.code, REALTIME_CHOICES.closeAfterLifetime.reason), settings.maxConnectionLifetimeMs);
    keepAlive.unref();
    lifetime.unref();
    this.timers.push(keepAlive, lifetime);
  }

  private stop(id: string): void {
    const subscription = this.subscriptions.get(id);
    const pending = this.pending.get(id);
    if (subscription) {
      this.subscriptions.delete(id);
      this.ctx.registry.remove(subscription);
    } else if (pending) {
      pending.cancelled = true;
      this.pending.delete(id);
    } else {
      return this.error(id, [{ errorType: REALTIME_CHOICES.unknownStop.errorType, message: REALTIME_CHOICES.unknownStop.message(id) }]);
    }
    this.send({ type: 'complete', id });
  }

  /** One start/s window per connection; past the rate, LimitExceededError without an id (RT's example). */
  private overRate(): boolean {
    const now = Date.now();
    while (this.starts.length > 0 && now - this.starts[0]! >= 1000) this.starts.shift();
    if (this.starts.length >= this.ctx.settings.maxStartsPerSecond) return true;
    this.starts.push(now);
    return false;
  }

  private limitError(id: string | undefined, errorType: string, message: string): void {
    this.error(id, REALTIME_CHOICES.limitErrorsAsObject ? { errorType, message } : [{ errorType, message }]);
  }

  private async start(message: StartMessage): Promise<void> {
    const { id } = message;
    if (this.subscriptions.has(id) || this.pending.has(id)) {
      return this.error(id, [{ errorType: 'DuplicatedOperationError', message: REALTIME_CHOICES.duplicated(id) }]);
    }
    if (this.overRate()) return this.limitError(undefined, 'LimitExceededError', 'Rate limit exceeded');
    const max = this.ctx.settings.maxSubscriptionsPerConnection;
    if (this.subscriptions.size + this.pending.size >= max) return this.limitError(id, 'MaxSubscriptionsReachedError', REALTIME_CHOICES.maxSubscriptions(max));
    const request = parseStartData(message.payload.data);
    if (!request) return this.error(id, [{ errorType: REALTIME_CHOICES.badFrame.errorType, message: 'payload.data must be a JSON string of { query, variables }.' }]);

    const token = { cancelled: false };
    this.pending.set(id, token);
    try {
      const authorization = message.payload.extensions?.authorization;
      const headers = authorization && typeof authorization === 'object' ? lowerKeys(authorization) : {};
      const caller = await this.authorize(headers, request, this.ctx.graphqlPath, message.payload.data);
      if (token.cancelled) return;
      if (isFailure(caller)) {
        const { errorType, message: text } = refusal(caller);
        return this.error(id, [{ errorType, message: text }]);
      }
      const state = requestState(this.ctx, caller, headers, request.variables);
      const outcome = await this.ctx.engine.subscribe(request.query, request.operationName, state);
      if (token.cancelled) return;
      switch (outcome.kind) {
        case 'invalid':
          return this.error(id, outcome.messages.map((m) => ({ message: m })));
        case 'notSubscription':
          // Observed on AWS with an empty kind for a query sent over the socket (§3.4).
          return this.error(id, [{ errorType: 'UnsupportedOperation', message: REALTIME_CHOICES.unsupported('') }]);
        case 'multipleFields':
          return this.error(id, [{ errorType: 'DuplicatedOperationError', message: REALTIME_CHOICES.duplicated(id) }]);
        case 'refused':
          return this.error(id, [{ errorType: outcome.errorType, message: outcome.message }]);
      }
      const filter = this.filterFrom(outcome.extensionCalls, 'setSubscriptionFilter');
      const invalidation = this.filterFrom(outcome.extensionCalls, 'setSubscriptionInvalidationFilter');
      for (const f of [filter, invalidation]) {
        if (f && !f.ok) {
          this.ctx.log(`[realtime] subscription ${outcome.fieldName} refused: ${f.reason}`);
          return this.error(id, [{ errorType: REALTIME_CHOICES.filterLimitErrorType, message: f.reason }]);
        }
      }
      const subscription: Subscription = {
        id,
        connection: this,
        fieldName: outcome.fieldName,
        query: request.query,
        operationName: request.operationName,
        variables: outcome.variables,
        caller,
        headers,
        args: outcome.args,
        filter: filter?.ok ? filter.filter : null,
        invalidationFilter: invalidation?.ok ? invalidation.filter : null,
      };
      this.subscriptions.set(id, subscription);
      this.ctx.registry.add(subscription);
      // Live from start_ack on (§3.3): anything published after this frame reaches it.
      this.send({ type: 'start_ack', id });
    } finally {
      if (this.pending.get(id) === token) this.pending.delete(id);
    }
  }

  /** The last filter of that kind the subscription resolver set, checked against AppSync's limits. */
  private filterFrom(calls: ExtensionCall[], name: string): { ok: true; filter: FilterGroup } | { ok: false; reason: string } | null {
    const call = calls.filter((c) => c.name === name && c.typeName === 'Subscription').at(-1);
    if (!call) return null;
    const checked = checkFilter(call.args[0]);
    if (checked.ok && checked.ignored.length > 0) this.ctx.log(`[realtime] filter rules deeper than 5 levels are ignored, as on AppSync: ${checked.ignored.join(', ')}`);
    return checked;
  }

}

/** The request state a subscriber's resolver (at start) and its deliveries run with. */
export function requestState(ctx: ConnectionContext, caller: Caller, headers: Record<string, string>, variables: Record<string, unknown>): RequestState {
  return {
    caller,
    headers,
    variables,
    env: ctx.env,
    now: ctx.now,
    appended: [],
    timings: [],
    resolverCount: 0,
    log: (_level, args) => ctx.log(`[resolver] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`),
  };
}

/** An HTTP-style refusal as a real-time error: 401s read as UnauthorizedException, IAM's keep their type. */
function refusal(failure: AuthFailure): { errorType: string; message: string; errorCode: number } {
  const first = failure.body.errors[0]!;
  return { errorType: first.errorType, message: first.message, errorCode: failure.status };
}
