// The authorizer's small AWS client (functions/commons/aws-json.ts) against a local HTTP server:
// signed like the SDK, endpoint and credentials from the SDK's variables, retries on what the SDK
// retries, and AWS's error shapes turned into named errors.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsServiceError, jsonService, signRequest, unmarshall } from '../../functions/commons/aws-json.ts';

/** The SDK's hash constructor shape, on node:crypto. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined ? undefined : typeof secret === 'string' ? secret : Buffer.from(secret instanceof ArrayBuffer ? secret : secret.buffer.slice(secret.byteOffset, secret.byteOffset + secret.byteLength));
    this.hash = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

let url: string;
let answers: { status: number; body: unknown }[] = [];
const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    seen.push({ headers: req.headers, body });
    const next = answers.shift() ?? { status: 200, body: {} };
    if (next.status === -1) {
      req.socket.destroy();
      return;
    }
    res.writeHead(next.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(next.body));
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const env = () => ({ AWS_ENDPOINT_URL_DYNAMODB: url, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session' });
const dynamodb = (extra: Record<string, string> = {}) =>
  jsonService({ service: 'dynamodb', endpointId: 'DYNAMODB', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0', env: { ...env(), ...extra } });

describe('the SigV4 signature', () => {
  it('is the one the AWS SDK’s own signer computes for the same request', async () => {
    const now = new Date('2026-11-30T12:34:56.000Z');
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'token/with+chars==' };
    const body = JSON.stringify({ SecretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:x', VersionStage: 'AWSCURRENT' });
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' };
    const ours = signRequest({ method: 'POST', url: new URL('https://secretsmanager.eu-west-1.amazonaws.com/'), headers, body, service: 'secretsmanager', region: 'eu-west-1', credentials, now });
    // applyChecksum off: the SDK's optional x-amz-content-sha256 header is for S3-style services.
    const sdk = new SignatureV4({ credentials, region: 'eu-west-1', service: 'secretsmanager', sha256: NodeSha256, applyChecksum: false });
    const signed = await sdk.sign(
      { method: 'POST', protocol: 'https:', hostname: 'secretsmanager.eu-west-1.amazonaws.com', path: '/', query: {}, headers: { ...headers, host: 'secretsmanager.eu-west-1.amazonaws.com' }, body },
      { signingDate: now },
    );
    const signature = (h: string) => /Signature=([0-9a-f]{64})/.exec(h)![1];
    expect(signature(ours.authorization!)).toBe(signature(signed.headers.authorization!));
    expect(ours['x-amz-date']).toBe('20261130T123456Z');
  });
});

describe('the signed JSON client', () => {
  it('signs with SigV4 for the service and Region, with the session token, and sends the target and body', async () => {
    seen.length = 0;
    answers = [{ status: 200, body: { Item: { email: { S: 'a@example.com' }, tokenVersion: { N: '3' }, disabled: { BOOL: false } } } }];
    const out = await dynamodb()<{ Item: Parameters<typeof unmarshall>[0] }>('GetItem', { TableName: 'Users', Key: { email: { S: 'a@example.com' } } });
    expect(unmarshall(out.Item)).toEqual({ email: 'a@example.com', tokenVersion: 3, disabled: false });
    const { headers, body } = seen[0]!;
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/);
    expect(headers['x-amz-security-token']).toBe('session');
    expect(headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(body)).toEqual({ TableName: 'Users', Key: { email: { S: 'a@example.com' } } });
  });

  it('retries throttling, server errors and dropped connections, then succeeds', async () => {
    seen.length = 0;
    answers = [
      { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' } },
      { status: -1, body: null },
      { status: 200, body: { ok: true } },
    ];
    await expect(dynamodb()('GetItem', {})).resolves.toEqual({ ok: true });
    expect(seen).toHaveLength(3);
  });

  it('gives up after three attempts with the last error, named as the SDK names it', async () => {
    seen.length = 0;
    answers = [500, 500, 503, 200].map((status) => ({ status, body: { __type: 'InternalServerError', message: 'oops' } }));
    await expect(dynamodb()('GetItem', {})).rejects.toMatchObject({ name: 'InternalServerError', status: 503 });
    expect(seen).toHaveLength(3);
    answers = [];
  });

  it('does not retry a client error, and names it from __type', async () => {
    seen.length = 0;
    answers = [{ status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found' } }];
    const error = await dynamodb()('GetItem', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', message: 'Requested resource not found', status: 400 });
    expect(seen).toHaveLength(1);
  });

  it('falls back to AWS_ENDPOINT_URL, and refuses to run without credentials', async () => {
    seen.length = 0;
    answers = [{ status: 200, body: {} }];
    await jsonService({ service: 'dynamodb', endpointId: 'DYNAMODB', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0', env: { ...env(), AWS_ENDPOINT_URL_DYNAMODB: undefined, AWS_ENDPOINT_URL: url } })('GetItem', {});
    expect(seen).toHaveLength(1);
    expect(() => jsonService({ service: 'dynamodb', endpointId: 'DYNAMODB', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0', env: { AWS_REGION: 'us-east-1' } })).toThrow(/AWS_ACCESS_KEY_ID/);
    // A local endpoint in hybrid mode (credentials from a profile the client does not read) still works.
    seen.length = 0;
    await jsonService({ service: 'dynamodb', endpointId: 'DYNAMODB', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0', env: { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_DYNAMODB: url } })('GetItem', {});
    expect(seen[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\//);
  });
});
