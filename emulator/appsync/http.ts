// AppSync's HTTP surface: POST/GET /graphql with its 400/401/200 rules (APPSYNC.md §5.2), a cap
// on the body, CORS for the origins the developer allows, a Host allow-list against DNS
// rebinding, and one log line per operation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { HTTP_CHOICES } from './choices.ts';
import type { GraphQLResponse } from './engine.ts';

export interface GraphQLRequest {
  query: string;
  operationName: string | null;
  variables: Record<string, unknown>;
  extensions: Record<string, unknown>;
}

export type ParsedRequest = { ok: true; request: GraphQLRequest } | { ok: false; status: 400; body: unknown };

function malformed(message: string): ParsedRequest {
  return { ok: false, status: 400, body: { errors: [{ message, errorType: 'MalformedHttpRequestException' }] } };
}

/** The body as text, or null once it passes maxBytes (a declared Content-Length over it is refused unread). */
export async function readBody(req: IncomingMessage, maxBytes: number = HTTP_CHOICES.maxBodyBytes): Promise<string | null> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseGraphQLRequest(method: string, url: URL, contentType: string, body: string | null): ParsedRequest {
  if (body === null) return malformed(HTTP_CHOICES.bodyTooLargeMessage);
  let raw: unknown;
  if (method === 'GET') {
    raw = {
      query: url.searchParams.get('query') ?? undefined,
      operationName: url.searchParams.get('operationName'),
      variables: url.searchParams.get('variables') ? safeJson(url.searchParams.get('variables')!) : undefined,
    };
  } else {
    if (body.trim() === '') return malformed('Request body is empty.');
    raw = contentType.startsWith('application/graphql') ? { query: body } : safeJson(body);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return malformed('Unable to parse GraphQL query.');
  const r = raw as Record<string, unknown>;
  if (typeof r.query !== 'string' || r.query.trim() === '') return malformed('Unable to parse GraphQL query.');
  if (r.variables !== undefined && r.variables !== null && (typeof r.variables !== 'object' || Array.isArray(r.variables))) {
    return malformed('Unable to parse GraphQL query.');
  }
  return {
    ok: true,
    request: {
      query: r.query,
      operationName: typeof r.operationName === 'string' && r.operationName !== '' ? r.operationName : null,
      variables: (r.variables as Record<string, unknown> | undefined) ?? {},
      extensions: (r.extensions && typeof r.extensions === 'object' ? r.extensions : {}) as Record<string, unknown>,
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function lowerCaseHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d; AppSync would show a.b.c.d. */
function plainAddress(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

/**
 * The X-Forwarded-For AppSync's resolvers see: whatever the client sent, then the address the
 * request came from, then the front end's own hop (choices.ts A10).
 */
export function withForwardedFor(headers: Record<string, string>, peer: string | undefined, local: string | undefined): Record<string, string> {
  const hops = [headers['x-forwarded-for'], plainAddress(peer), HTTP_CHOICES.appendEdgeHop ? plainAddress(local) : undefined].filter(
    (hop): hop is string => hop !== undefined && hop.trim() !== '',
  );
  return hops.length > 0 ? { ...headers, 'x-forwarded-for': hops.join(', ') } : headers;
}

/** Who may call the API from a browser page and under which Host names (settings.ts reads them). */
export interface HttpPolicy {
  /** Host names besides localhost, *.localhost and IP literals (TOLLGATE_ALLOWED_HOSTS). */
  allowedHosts: readonly string[];
  /** Origins other than the API's own that browsers may call it from (TOLLGATE_CORS_ORIGINS); '*' allows any. */
  corsOrigins: readonly string[];
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = { allowedHosts: [], corsOrigins: [] };

/** The host name of a Host header, lower-cased, without port or IPv6 brackets. */
function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') === -1 ? undefined : host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * DNS rebinding needs a domain name that the attacker points at 127.0.0.1, so only names are
 * checked: localhost, *.localhost (browsers never ask DNS for them), IP literals, and the names
 * the developer lists. Everything else, the web page with its API key included, is refused.
 */
export function hostAllowed(header: string | undefined, policy: HttpPolicy): boolean {
  if (!header) return false;
  const name = hostName(header);
  return name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0 || policy.allowedHosts.includes(name);
}

export function refusedHostMessage(header: string | undefined): string {
  return `This API does not answer to the host name ${JSON.stringify(header ?? '')}. Use localhost or an IP address, or add the name to TOLLGATE_ALLOWED_HOSTS.`;
}

export function refuseHost(res: ServerResponse, header: string | undefined): void {
  send(res, 403, { errors: [{ errorType: 'ForbiddenException', message: refusedHostMessage(header) }] });
}

const CORS_BASE = {
  'access-control-allow-headers': 'content-type, authorization, x-api-key, x-amz-user-agent, x-amz-date, x-tollgate-timings',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-max-age': '86400',
};

/** CORS headers for a request's Origin: only the allowed origins get any (no `*` by default). */
export function corsHeaders(origin: string | undefined, policy: HttpPolicy): Record<string, string> {
  if (!origin) return {};
  if (policy.corsOrigins.includes('*')) return { 'access-control-allow-origin': '*', ...CORS_BASE };
  if (!policy.corsOrigins.includes(origin)) return { vary: 'Origin' };
  return { 'access-control-allow-origin': origin, vary: 'Origin', ...CORS_BASE };
}

export function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': extra['x-amzn-requestid'] ?? '',
    ...extra,
  });
  res.end(text);
}

export function errorTypesOf(response: GraphQLResponse | { errors?: { errorType?: string | null }[] }): string {
  const types = new Set((response.errors ?? []).map((e) => ('errorType' in e && e.errorType) || 'GraphQL'));
  return [...types].join(',');
}
