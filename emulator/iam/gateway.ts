// IAM in front of the local AWS services, for the Lambda functions: each function is pointed at
// these endpoints (AWS_ENDPOINT_URL_DYNAMODB, _SECRETS_MANAGER, _BEDROCK_RUNTIME) instead of the
// services themselves. A request must be SigV4-signed with the credentials the emulator handed
// that function, and its role's template policies must allow what it asks; then it is passed to
// the service unchanged. Refusals are each service's own, as its SDK client reads them. The
// services stay reachable directly for the operator's tools (npm run admin, tests), as AWS is
// for an administrator: nothing here runs in their way.
import { createServer, request as httpRequest, Agent, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { connect, constants, createServer as createHttp2Server, type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders as Http2Headers, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { bedrockNeeds, type BedrockCaller } from './bedrock-access.ts';
import { IAM_CHOICES } from './choices.ts';
import type { Denial, LocalIam, Need } from './index.ts';
import { dynamoDbApiNeeds, secretsManagerNeeds, type TableArn } from './needs.ts';
import type { SignedRequest } from './sigv4.ts';

export interface GatewayOptions {
  iam: LocalIam;
  /** The functions' Region (AWS_REGION): what DynamoDB and Secrets Manager requests are signed for. */
  region: string;
  tableArn: TableArn;
  secretArn(secretId: string): string;
  bedrock: Omit<BedrockCaller, 'region'>;
  upstream: { dynamodb: string; secretsManager: string; bedrockRuntime: string | null };
  host?: string;
  log(line: string): void;
}

export interface LocalGateways {
  dynamodbUrl: string;
  secretsManagerUrl: string;
  bedrockRuntimeUrl: string | null;
  close(): Promise<void>;
}

/** An AWS JSON-protocol service: DynamoDB (1.0) and Secrets Manager (1.1). */
interface JsonService {
  signingName: string;
  targetPrefix: string;
  contentType: string;
  /** `__type` as the service writes it. */
  errorType(name: string): string;
  needs(operation: string, body: Record<string, unknown>): Need[];
}

const MAX_BODY_BYTES = 17 * 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'http2-settings']);

function single(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

async function readAll(source: AsyncIterable<unknown>): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function parseJson(body: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    // The service answers a body it cannot read (SerializationException); IAM has nothing to judge.
    return {};
  }
}

function listen(server: Server | Http2Server, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
    });
  });
}

function closeServer(server: Server | Http2Server, sockets: Set<Socket>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  return closed;
}

function trackSockets(server: Server | Http2Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** A signed request, checked: who signed it and whether the role may; null when it may go on. */
type Judgement = { errorType: string; message: string; denial?: Denial } | null;

function judge(options: GatewayOptions, request: SignedRequest, signingName: string, region: string | null, needs: (region: string) => Need[]): Judgement {
  const verified = options.iam.verify(request, signingName, region);
  if (!verified.ok) return { errorType: verified.errorType, message: verified.message };
  const denial = options.iam.authorize(verified.credential.principals, needs(verified.region));
  return denial ? { errorType: 'AccessDeniedException', message: denial.message, denial } : null;
}

function startJsonGateway(service: JsonService, upstream: string, options: GatewayOptions): Promise<{ url: string; close(): Promise<void> }> {
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });
  const target = new URL(upstream);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const raw = await readAll(req);
      const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
      const headers = single(req.headers);
      const refuse = (status: number, errorType: string, message: string, messageKey = 'message') => {
        const payload = JSON.stringify({ __type: service.errorType(errorType), [messageKey]: message });
        res.writeHead(status, { 'content-type': service.contentType, 'content-length': Buffer.byteLength(payload), 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': errorType });
        res.end(payload);
      };
      if (raw === null) return refuse(413, 'RequestEntityTooLarge', 'Request body is too large.');
      const body = raw.toString('utf8');
      const operation = (headers['x-amz-target'] ?? '').startsWith(`${service.targetPrefix}.`) ? headers['x-amz-target']!.slice(service.targetPrefix.length + 1) : '';
      const verdict = judge(options, { method: req.method ?? 'POST', path, query, headers, body }, service.signingName, options.region, () =>
        // No operation named: the service answers UnknownOperationException itself; IAM has nothing to judge.
        operation === '' ? [] : service.needs(operation, parseJson(body)),
      );
      if (verdict?.denial) {
        options.log(`[iam] ${service.signingName} refused: ${verdict.message}`);
        return refuse(400, 'AccessDeniedException', verdict.message, IAM_CHOICES.accessDeniedMessageKey);
      }
      if (verdict) return refuse(IAM_CHOICES.jsonAuthFailureStatus, verdict.errorType, verdict.message);
      const forwarded: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) forwarded[name] = value;
      const out = httpRequest({ protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: forwarded, agent }, (answer) => {
        const back: OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) back[name] = value;
        res.writeHead(answer.statusCode ?? 502, back);
        answer.pipe(res);
      });
      out.on('error', () => {
        if (!res.headersSent) refuse(500, 'InternalServerError', 'The local service did not answer.');
        else res.destroy();
      });
      // A caller that gives up mid-request ends the upstream call too; a finished one leaves the
      // socket to the agent's pool.
      res.on('close', () => {
        if (!res.writableFinished) out.destroy();
      });
      out.end(raw);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  const sockets = trackSockets(server);
  return listen(server, options.host ?? '127.0.0.1').then((url) => ({
    url,
    close: async () => {
      agent.destroy();
      await closeServer(server, sockets);
    },
  }));
}

/** Bedrock Runtime speaks HTTP/2 (cleartext locally): the gateway does too, stream for stream. */
function startBedrockGateway(upstream: string, options: GatewayOptions): Promise<{ url: string; close(): Promise<void> }> {
  let session: ClientHttp2Session | null = null;
  const upstreamSession = () => {
    if (!session || session.closed || session.destroyed) {
      session = connect(upstream);
      // A dropped connection is seen by the streams on it; the next request opens a new one.
      session.on('error', () => undefined);
    }
    return session;
  };
  const server = createHttp2Server();
  server.on('session', (s) => s.on('error', () => undefined));
  server.on('stream', (stream: ServerHttp2Stream, headers: Http2Headers) => {
    stream.on('error', () => undefined);
    void (async () => {
      const raw = await readAll(stream);
      const rawPath = String(headers[constants.HTTP2_HEADER_PATH] ?? '/');
      const [path = '/', query = ''] = rawPath.split('?', 2);
      // HTTP/2 carries the host as :authority, and the SDK signs it under that name.
      const authority = String(headers[constants.HTTP2_HEADER_AUTHORITY] ?? '');
      const plain = single(headers);
      const signed = { ...plain, ':authority': authority };
      const refuse = (status: number, errorType: string, body: Record<string, string>) => {
        if (stream.destroyed) return;
        const payload = JSON.stringify(body);
        stream.respond({ ':status': status, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': errorType });
        stream.end(payload);
      };
      if (raw === null) return refuse(413, 'ValidationException', { message: 'The request body is too large.' });
      const body = raw.toString('utf8');
      const method = String(headers[constants.HTTP2_HEADER_METHOD] ?? 'POST');
      const verdict = judge(options, { method, path, query, headers: signed, body }, 'bedrock', null, (region) =>
        bedrockNeeds({ ...options.bedrock, region }, path, parseJson(body)),
      );
      if (verdict?.denial) {
        options.log(`[iam] bedrock refused: ${verdict.message}`);
        return refuse(403, 'AccessDeniedException', { [IAM_CHOICES.accessDeniedMessageKey]: verdict.message });
      }
      if (verdict) return refuse(IAM_CHOICES.restAuthFailureStatus, verdict.errorType, { message: verdict.message });
      const forwarded: OutgoingHttpHeaders = { [constants.HTTP2_HEADER_METHOD]: method, [constants.HTTP2_HEADER_PATH]: rawPath };
      for (const [name, value] of Object.entries(plain)) if (!HOP_BY_HOP.has(name) && name !== 'host') forwarded[name] = value;
      const out = upstreamSession().request(forwarded);
      out.on('response', (answer) => {
        if (stream.destroyed) return;
        const back: OutgoingHttpHeaders = { ':status': Number(answer[constants.HTTP2_HEADER_STATUS] ?? 502) };
        for (const [name, value] of Object.entries(answer)) if (!name.startsWith(':') && !HOP_BY_HOP.has(name) && value !== undefined) back[name] = value;
        stream.respond(back);
        out.pipe(stream);
      });
      out.on('error', () => {
        if (!stream.headersSent) refuse(500, 'InternalServerException', { message: 'The local Bedrock did not answer.' });
        else stream.destroy();
      });
      // A caller that gives up (its deadline) ends the model's work too, as it would on AWS.
      stream.on('close', () => {
        if (!out.closed) out.close(constants.NGHTTP2_CANCEL);
      });
      out.end(raw);
    })().catch(() => {
      if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    });
  });
  const sockets = trackSockets(server);
  return listen(server, options.host ?? '127.0.0.1').then((url) => ({
    url,
    close: async () => {
      (session as ClientHttp2Session | null)?.destroy();
      await closeServer(server, sockets);
    },
  }));
}

const DYNAMODB = (tableArn: TableArn): JsonService => ({
  signingName: 'dynamodb',
  targetPrefix: 'DynamoDB_20120810',
  contentType: 'application/x-amz-json-1.0',
  errorType: (name) => `com.amazon.coral.service#${name}`,
  needs: (operation, body) => dynamoDbApiNeeds(operation, body, tableArn),
});

const SECRETS_MANAGER = (secretArn: (id: string) => string): JsonService => ({
  signingName: 'secretsmanager',
  targetPrefix: 'secretsmanager',
  contentType: 'application/x-amz-json-1.1',
  errorType: (name) => name,
  needs: (operation, body) => secretsManagerNeeds(operation, body, secretArn),
});

export async function startGateways(options: GatewayOptions): Promise<LocalGateways> {
  const started: { close(): Promise<void> }[] = [];
  try {
    const dynamodb = await startJsonGateway(DYNAMODB(options.tableArn), options.upstream.dynamodb, options);
    started.push(dynamodb);
    const secrets = await startJsonGateway(SECRETS_MANAGER(options.secretArn), options.upstream.secretsManager, options);
    started.push(secrets);
    const bedrock = options.upstream.bedrockRuntime ? await startBedrockGateway(options.upstream.bedrockRuntime, options) : null;
    if (bedrock) started.push(bedrock);
    return {
      dynamodbUrl: dynamodb.url,
      secretsManagerUrl: secrets.url,
      bedrockRuntimeUrl: bedrock?.url ?? null,
      close: async () => {
        for (const s of started) await s.close();
      },
    };
  } catch (error) {
    for (const s of started) await s.close();
    throw error;
  }
}
