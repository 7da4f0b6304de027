// A fault-injecting proxy in front of a local AWS JSON-protocol service (DynamoDB, Secrets
// Manager): requests pass through untouched unless the FaultPlan picks a fault, which is answered
// as the service answers it on the wire (status, __type, message), so the AWS SDK, our signed
// client (functions/commons/aws-json.ts) and AppSync's data source see AWS's real error shapes.
// It also counts the SDK's own retries (its amz-sdk-request: attempt=N header).
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import type { FaultPlan, FaultRule } from './plan.ts';

export interface FaultProxy {
  url: string;
  close(): Promise<void>;
}

const DYNAMODB = 'com.amazonaws.dynamodb.v20120810#';

/** DynamoDB's answers for each kind (messages as DynamoDB words them). */
function dynamoDbError(rule: FaultRule, operation: string, body: Record<string, unknown>): { status: number; payload: Record<string, unknown> } {
  switch (rule.kind) {
    case 'ThrottlingException':
      return {
        status: 400,
        payload: {
          __type: DYNAMODB + 'ThrottlingException',
          message:
            'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html',
        },
      };
    case 'ProvisionedThroughputExceededException':
      return {
        status: 400,
        payload: {
          __type: DYNAMODB + 'ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
        },
      };
    case 'RequestLimitExceeded':
      return {
        status: 400,
        payload: { __type: DYNAMODB + 'RequestLimitExceeded', message: 'Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase' },
      };
    case 'TransactionConflict': {
      if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
        const items = (body.TransactItems as unknown[] | undefined) ?? [];
        const reasons = items.map((_, i) => (i === 0 ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' }));
        return {
          status: 400,
          payload: {
            __type: DYNAMODB + 'TransactionCanceledException',
            message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
            CancellationReasons: reasons,
          },
        };
      }
      return { status: 400, payload: { __type: DYNAMODB + 'TransactionConflictException', message: 'Transaction is ongoing for the item' } };
    }
    default:
      return { status: 500, payload: { __type: DYNAMODB + 'InternalServerError', message: 'Internal server error' } };
  }
}

function secretsManagerError(rule: FaultRule): { status: number; payload: Record<string, unknown> } {
  if (rule.kind === 'ThrottlingException') return { status: 400, payload: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
  return { status: 500, payload: { __type: 'InternalServiceError', Message: 'An error occurred on the server side.' } };
}

/** The tables a DynamoDB request names. */
export function tablesOf(body: Record<string, unknown>): string[] {
  const names = new Set<string>();
  if (typeof body.TableName === 'string') names.add(body.TableName);
  for (const key of Object.keys((body.RequestItems as Record<string, unknown> | undefined) ?? {})) names.add(key);
  for (const item of (body.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? []) {
    for (const op of Object.values(item)) if (op?.TableName) names.add(op.TableName);
  }
  return [...names];
}

export async function startFaultProxy(opts: {
  service: 'dynamodb' | 'secretsmanager';
  upstream: string;
  plan: FaultPlan;
  /** Physical name → construct id, so rules can name UsageTable. */
  aliases?: Record<string, string>;
}): Promise<FaultProxy> {
  const upstream = new URL(opts.upstream);
  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; payload: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, payload: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  const reply = (res: ServerResponse, status: number, payload: Record<string, unknown>, jsonVersion: string) => {
    const text = JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': `application/x-amz-json-${jsonVersion}`,
      'content-length': Buffer.byteLength(text),
      'x-amz-crc32': String(crc32(text)),
      'x-amzn-requestid': randomBytes(16).toString('hex').toUpperCase(),
    });
    res.end(text);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const target = String(req.headers['x-amz-target'] ?? '');
        const operation = target.slice(target.indexOf('.') + 1);
        const attempt = /attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''));
        if (attempt && Number(attempt[1]) > 1) opts.plan.count(`${opts.service}.sdkRetries`);
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          parsed = {};
        }
        const names = opts.service === 'dynamodb' ? tablesOf(parsed).flatMap((t) => [t, opts.aliases?.[t] ?? t]) : [String(parsed.SecretId ?? '')];
        const fault = opts.plan.pick(opts.service, names, operation);
        const jsonVersion = opts.service === 'dynamodb' ? '1.0' : '1.1';
        if (fault?.kind === 'Unreachable') {
          req.socket.destroy();
          return;
        }
        if (fault && fault.kind !== 'LostResponse') {
          const error = opts.service === 'dynamodb' ? dynamoDbError(fault, operation, parsed) : secretsManagerError(fault);
          reply(res, error.status, error.payload, jsonVersion);
          return;
        }
        const answer = await forward(req, body);
        if (fault?.kind === 'LostResponse') {
          // Applied upstream, but the caller hears a 500: it cannot tell whether the write landed.
          reply(res, 500, { __type: DYNAMODB + 'InternalServerError', message: 'Internal server error' }, jsonVersion);
          return;
        }
        const headers = { ...answer.headers };
        delete headers['transfer-encoding'];
        delete headers.connection;
        res.writeHead(answer.status, { ...headers, 'content-length': answer.payload.length });
        res.end(answer.payload);
      })().catch((error: unknown) => {
        if (!res.headersSent) reply(res, 500, { __type: DYNAMODB + 'InternalServerError', message: String(error) }, '1.0');
        else res.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
