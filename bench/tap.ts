// Counts the AWS calls the real pipeline makes, without touching emulator code: bench/index.ts
// redirects emulator/start.ts's imports of its local DynamoDB and Secrets Manager to
// tap-dynamodb.ts / tap-secrets-manager.ts, which (when the tap is armed) put this counting proxy
// in front of them. The resolvers' data sources and every Lambda then talk to the proxy.
//
// For DynamoDB the proxy also asks for ReturnConsumedCapacity=TOTAL when the caller did not, so
// dynalite reports the units by DynamoDB's sizing rules; the reply passes through byte for byte
// (callers ignore the extra field). Failed conditional writes come back as errors without units.
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export type Service = 'dynamodb' | 'secretsmanager';

export interface TapCall {
  seq: number;
  service: Service;
  operation: string;
  /** Table name(s) the call names; null for Secrets Manager. */
  tables: string[];
  ok: boolean;
  errorType: string | null;
  /** Units the local DynamoDB reported, per table (its transaction proxy reports transactions at 2 per KB). */
  consumed: { table: string; units: number }[];
  ms: number;
}

class Tap {
  /** Set before the emulator starts: its local endpoints then get a counting proxy in front. */
  armed = false;
  /** Calls are recorded only while true, so the bench's own reads are not counted. */
  recording = true;
  readonly installed = { dynamodb: false, secretsmanager: false };
  readonly calls: TapCall[] = [];
  private seq = 0;

  mark(): number {
    return this.calls.length;
  }

  since(mark: number): TapCall[] {
    return this.calls.slice(mark);
  }

  record(call: Omit<TapCall, 'seq'>): void {
    if (this.recording) this.calls.push({ seq: ++this.seq, ...call });
  }
}

export const tap = new Tap();

const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(buffer: Buffer): Json | undefined {
  try {
    const value: unknown = JSON.parse(buffer.toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function tablesOf(input: Json | undefined): string[] {
  if (!input) return [];
  if (typeof input.TableName === 'string') return [input.TableName];
  const names = new Set<string>();
  if (Array.isArray(input.TransactItems)) {
    for (const item of input.TransactItems) {
      if (!isRecord(item)) continue;
      for (const op of Object.values(item)) if (isRecord(op) && typeof op.TableName === 'string') names.add(op.TableName);
    }
  }
  if (isRecord(input.RequestItems)) for (const name of Object.keys(input.RequestItems)) names.add(name);
  return [...names];
}

function consumedOf(output: Json | undefined): { table: string; units: number }[] {
  const raw = output?.ConsumedCapacity;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.filter(isRecord).map((c) => ({ table: String(c.TableName ?? ''), units: Number(c.CapacityUnits) || 0 }));
}

function shortType(type: unknown): string | null {
  if (typeof type !== 'string') return null;
  return type.slice(type.indexOf('#') + 1);
}

function forwardHeaders(headers: IncomingHttpHeaders, length: number): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  out['content-length'] = String(length);
  return out;
}

/** A counting HTTP proxy on 127.0.0.1 in front of one local AWS endpoint. */
export async function startCountingProxy(service: Service, upstreamUrl: string): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const upstream = new URL(upstreamUrl);
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const started = performance.now();
      let body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.indexOf('.') + 1);
      const input = parse(body);
      if (service === 'dynamodb' && input && CAPACITY_OPERATIONS.has(operation) && input.ReturnConsumedCapacity === undefined) {
        body = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
      }
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwardHeaders(req.headers, body.length), agent },
        (up) => {
          const replyChunks: Buffer[] = [];
          up.on('data', (c: Buffer) => replyChunks.push(c));
          up.on('end', () => {
            const reply = Buffer.concat(replyChunks);
            const headers: OutgoingHttpHeaders = {};
            for (const [name, value] of Object.entries(up.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
            headers['content-length'] = String(reply.length);
            res.writeHead(up.statusCode ?? 500, headers);
            res.end(reply);
            const output = parse(reply);
            const ok = (up.statusCode ?? 500) < 300;
            tap.record({
              service,
              operation: operation || '(none)',
              tables: tablesOf(input),
              ok,
              errorType: ok ? null : (shortType(output?.__type) ?? `HTTP ${up.statusCode}`),
              consumed: consumedOf(output),
              ms: performance.now() - started,
            });
          });
          up.on('error', () => res.destroy());
        },
      );
      out.on('error', () => {
        if (!res.headersSent) res.writeHead(502).end();
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          agent.destroy();
          resolve();
        });
      }),
  };
}

/** A local service with the counting proxy in front of it while the tap is armed. */
export async function fronted<T extends { url: string; port: number; close(): Promise<void> }>(service: Service, real: T): Promise<T> {
  if (!tap.armed) return real;
  const proxy = await startCountingProxy(service, real.url);
  tap.installed[service] = true;
  return {
    ...real,
    url: proxy.url,
    port: proxy.port,
    close: async () => {
      await proxy.close();
      await real.close();
    },
  };
}
