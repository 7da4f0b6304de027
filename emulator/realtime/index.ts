// The emulator's AppSync real-time endpoint: WebSocket upgrades on the API's own port (ws:// and
// wss://), at /graphql/realtime (what Amplify v6 and the subscription link derive from a
// non-AWS GraphQL URL) and at /graphql (the AWS host style), and the fan-out of every mutation
// that a subscription's @aws_subscribe lists. start.ts calls attachRealtime() and publish().
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { Kind, type ListValueNode } from 'graphql';
import { WebSocketServer } from 'ws';
import { refusedHostMessage } from '../appsync/http.ts';
import type { RequestAuthorizer } from '../appsync/auth.ts';
import type { Engine, MutationEffects } from '../appsync/engine.ts';
import { REALTIME_CHOICES, REALTIME_DEFAULTS, SUBPROTOCOL, type RealtimeSettings } from './choices.ts';
import { decodeHeader, offeredSubprotocols } from './decode-header.ts';
import { matchesArguments, matchesFilter } from './filters.ts';
import { SubscriptionRegistry } from './registry.ts';
import { RealtimeConnection, requestState, type ConnectionContext, type Handshake } from './server.ts';

export { REALTIME_DEFAULTS, type RealtimeSettings } from './choices.ts';

export interface RealtimeOptions {
  servers: (HttpServer | HttpsServer)[];
  engine: Engine;
  authorizer: RequestAuthorizer;
  env: Record<string, string>;
  now(): number;
  log(line: string): void;
  settings?: Partial<RealtimeSettings>;
  /** The Host allow-list the HTTP side keeps (DNS rebinding): an upgrade is refused the same way. */
  hostAllowed?(host: string | undefined): boolean;
}

export interface Realtime {
  /** Sends a mutation's results to the subscriptions that match them, and ends invalidated ones. */
  publish(effects: MutationEffects): void;
  readonly connections: number;
  readonly subscriptions: number;
  close(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';
const UPGRADE_PATHS = new Set([`${GRAPHQL_PATH}/realtime`, GRAPHQL_PATH]);

/** Mutation field → the subscription fields whose @aws_subscribe(mutations: […]) lists it. */
function subscribedMutations(engine: Engine): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const field of Object.values(engine.schema.getSubscriptionType()?.getFields() ?? {})) {
    const directive = field.astNode?.directives?.find((d) => d.name.value === 'aws_subscribe');
    const list = directive?.arguments?.find((a) => a.name.value === 'mutations')?.value as ListValueNode | undefined;
    for (const value of list?.values ?? []) {
      if (value.kind === Kind.STRING) out.set(value.value, [...(out.get(value.value) ?? []), field.name]);
    }
  }
  return out;
}

/** AppSync's answer to an upgrade without any authorization: HTTP 401 (§2.3). */
function refuseUpgrade(socket: Duplex, status: 401 | 403 | 404, errorType: string, message: string): void {
  const body = JSON.stringify({ errors: [{ errorType, message }] });
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=UTF-8\r\nx-amzn-ErrorType: ${errorType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export function attachRealtime(options: RealtimeOptions): Realtime {
  const settings: RealtimeSettings = { ...REALTIME_DEFAULTS, ...options.settings };
  const registry = new SubscriptionRegistry();
  const connections = new Set<RealtimeConnection>();
  const ctx: ConnectionContext = { engine: options.engine, authorizer: options.authorizer, registry, settings, env: options.env, now: options.now, log: options.log, graphqlPath: GRAPHQL_PATH };
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: settings.maxClientFrameBytes,
    // Echo graphql-ws only, never the header-… entry (§2.1).
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (options.hostAllowed && !options.hostAllowed(req.headers.host)) {
      options.log(`[realtime] upgrade refused: host ${JSON.stringify(req.headers.host ?? '')}`);
      return refuseUpgrade(socket, 403, 'ForbiddenException', refusedHostMessage(req.headers.host));
    }
    if (!UPGRADE_PATHS.has(url.pathname)) return refuseUpgrade(socket, 404, 'NotFoundException', 'Not found. Real-time is at /graphql/realtime.');
    const decoded = decodeHeader(req, url);
    if (decoded.source === 'none') return refuseUpgrade(socket, 401, 'UnauthorizedException', 'You are not authorized to make this call.');
    const handshake: Handshake = !offeredSubprotocols(req).includes(SUBPROTOCOL)
      ? { kind: 'wrongSubprotocol' }
      : decoded.source === 'malformed'
        ? { kind: 'malformed' }
        : { kind: 'header', header: decoded.header };
    // AWS checks `host` against the API's domains; locally any name of this machine works (§1.4).
    if (handshake.kind === 'header' && handshake.header.host !== undefined && handshake.header.host !== req.headers.host) {
      options.log(`[realtime] warning: the header's host ${handshake.header.host} is not the host connected to (${req.headers.host}); AppSync would check it against the API's domains.`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new RealtimeConnection(ws, handshake, ctx);
      connections.add(connection);
      ws.once('close', () => connections.delete(connection));
    });
  };
  for (const server of options.servers) server.on('upgrade', onUpgrade);

  const fanOut = subscribedMutations(options.engine);
  return {
    publish(effects) {
      for (const { fieldName, payload } of effects.published) {
        for (const subscriptionField of fanOut.get(fieldName) ?? []) {
          for (const sub of registry.forField(subscriptionField)) {
            // Enhanced filters replace argument filtering (EF).
            if (!(sub.filter ? matchesFilter(sub.filter, payload) : matchesArguments(sub.args, payload))) continue;
            const state = requestState(ctx, sub.caller, sub.headers, sub.variables);
            const data = options.engine.deliver(sub.query, sub.operationName, state, subscriptionField, payload);
            const bytes = Buffer.byteLength(JSON.stringify(data));
            if (bytes > settings.maxPayloadBytes) {
              // AWS drops it without a word to anyone (§4); the emulator at least says so here.
              options.log(`[realtime] ${subscriptionField} event of ${bytes} bytes not delivered: over the ${settings.maxPayloadBytes}-byte limit`);
              continue;
            }
            sub.connection.send({ type: 'data', id: sub.id, payload: data });
          }
        }
      }
      for (const { subscriptionField, payload } of effects.invalidations) {
        for (const sub of registry.forField(subscriptionField)) {
          if (!sub.invalidationFilter || !matchesFilter(sub.invalidationFilter, payload)) continue;
          options.log(`[realtime] ${subscriptionField} subscription invalidated; its connection closes`);
          sub.connection.send({ type: 'complete', id: sub.id, payload: { message: REALTIME_CHOICES.invalidated.message } });
          sub.connection.close(REALTIME_CHOICES.invalidated.closeCode, REALTIME_CHOICES.invalidated.message);
        }
      }
    },
    get connections() {
      return connections.size;
    },
    get subscriptions() {
      return registry.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const server of options.servers) server.off('upgrade', onUpgrade);
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
