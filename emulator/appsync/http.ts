// AppSync's HTTP surface: POST/GET /graphql with its 400/401/200 rules (APPSYNC.md §5.2),
// CORS for browser clients, and one log line per operation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_CHOICES } from './choices.ts';
import type { GraphQLResponse } from './engine.ts';

export interface GraphQLRequest {
  query: string;
  operationName: string | null;
  variables: Record<string, unknown>;
  extensions: Record<string, unknown>;
}

export type ParsedRequest = { ok: true; request: GraphQLRequest } | { ok: false; status: 400; body: unknown };

const MAX_BODY_BYTES = 1024 * 1024;

function malformed(message: string): ParsedRequest {
  return { ok: false, status: 400, body: { errors: [{ message, errorType: 'MalformedHttpRequestException' }] } };
}

export async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseGraphQLRequest(method: string, url: URL, contentType: string, body: string | null): ParsedRequest {
  if (body === null) return malformed('Request body is too large.');
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

export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'content-type, authorization, x-api-key, x-amz-user-agent, x-amz-date',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-max-age': '86400',
};

export function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': extra['x-amzn-requestid'] ?? '',
    ...CORS_HEADERS,
    ...extra,
  });
  res.end(text);
}

export function errorTypesOf(response: GraphQLResponse | { errors?: { errorType?: string | null }[] }): string {
  const types = new Set((response.errors ?? []).map((e) => ('errorType' in e && e.errorType) || 'GraphQL'));
  return [...types].join(',');
}
