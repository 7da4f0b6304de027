// Where a client put its authorization when it opened the socket (RT "handshake details",
// APPSYNC-REALTIME.md §2.1): a `header-<base64url JSON>` subprotocol (Amplify ≥ 6.6, the
// subscription link ≥ 4.0.2), a `?header=<base64 JSON>&payload=e30=` query string (older
// clients, raw base64 whose `+` arrives as a space), or plain HTTP headers (mobile SDKs).
import type { IncomingMessage } from 'node:http';

export type DecodedHeader =
  | { source: 'subprotocol' | 'query' | 'headers'; header: Record<string, string> }
  | { source: 'none' }
  | { source: 'malformed'; reason: string };

const AUTH_HEADERS = ['authorization', 'x-api-key', 'x-amz-date', 'x-amz-security-token'];

/** base64 or base64url, padded or not, into the JSON object it holds (keys lower-cased). */
export function decodeHeaderValue(encoded: string): Record<string, string> | null {
  if (!/^[A-Za-z0-9+/_=-]*$/.test(encoded)) return null;
  let value: unknown;
  try {
    // Node's base64 decoder reads both alphabets and needs no padding.
    value = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k.toLowerCase()] = String(v);
  }
  return out;
}

export function offeredSubprotocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  return (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).split(',').map((p) => p.trim()).filter(Boolean);
}

export function decodeHeader(req: IncomingMessage, url: URL): DecodedHeader {
  const fromProtocol = offeredSubprotocols(req).find((p) => p.startsWith('header-'));
  if (fromProtocol !== undefined) {
    const header = decodeHeaderValue(fromProtocol.slice('header-'.length));
    return header ? { source: 'subprotocol', header } : { source: 'malformed', reason: 'the header- subprotocol is not base64url JSON' };
  }
  // Read from the raw query: URLSearchParams would turn an unencoded '+' into a space; undo that.
  const raw = url.searchParams.get('header');
  if (raw !== null) {
    const header = decodeHeaderValue(raw.replace(/ /g, '+'));
    return header ? { source: 'query', header } : { source: 'malformed', reason: 'the header query parameter is not base64 JSON' };
  }
  const header: Record<string, string> = {};
  for (const name of AUTH_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') header[name] = value;
  }
  if (Object.keys(header).length === 0) return { source: 'none' };
  if (typeof req.headers.host === 'string') header.host = req.headers.host;
  return { source: 'headers', header };
}
