// A small AWS JSON-protocol client (DynamoDB, Secrets Manager): SigV4 on node:crypto over
// node:http(s), with retries. The authorizer's two calls go through here instead of the AWS SDK,
// whose clients took ~138 ms of its ~141 ms cold init (bench, 2026-11-25), in front of every
// request whose token AppSync has not cached. Not aws4fetch over fetch: the first use of fetch,
// Request or Headers loads Node's bundled undici, which measured 56–100 ms here (on a loaded
// 2-core machine) — the cost would only move from init to the first request. The signature is
// tested against the AWS SDK's own signer (@smithy/signature-v4).
//
// It honours what the SDK honours for these calls, so the same bundle runs on AWS and offline:
// AWS_ENDPOINT_URL_<SERVICE> then AWS_ENDPOINT_URL for the endpoint, AWS_REGION, and Lambda's
// credentials AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export class AwsServiceError extends Error {
  constructor(
    /** The exception name, e.g. ResourceNotFoundException, as the SDK would name its class. */
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  /** What another attempt may meet differently: no answer, a 5xx, a throttle. Not AccessDenied. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429 || RETRYABLE.test(this.name);
  }
}

export interface JsonServiceOptions {
  /** The signing name and the endpoint's first label: dynamodb, secretsmanager. */
  service: string;
  /** The SDK's service id in AWS_ENDPOINT_URL_<ID>: DYNAMODB, SECRETS_MANAGER. */
  endpointId: string;
  /** X-Amz-Target prefix: DynamoDB_20120810, secretsmanager. */
  targetPrefix: string;
  /** application/x-amz-json-1.0 or -1.1. */
  jsonVersion: '1.0' | '1.1';
  env?: NodeJS.ProcessEnv;
  /** Attempts in all, including the first (the SDK's default is 3). */
  maxAttempts?: number;
  /** Per attempt. */
  timeoutMs?: number;
}

/** Errors worth another attempt: the service busy or failing, or the network. */
const RETRYABLE = /^(ThrottlingException|ProvisionedThroughputExceededException|RequestLimitExceeded|InternalServerError|InternalFailure|ServiceUnavailable|TransactionInProgressException)$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** deadlineMs (epoch ms): no attempt starts, and no wait runs, past it. */
export type JsonCall = <T>(action: string, body: Record<string, unknown>, options?: { deadlineMs?: number }) => Promise<T>;

export function jsonService(opts: JsonServiceOptions): JsonCall {
  const env = opts.env ?? process.env;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const override = env[`AWS_ENDPOINT_URL_${opts.endpointId}`] ?? env.AWS_ENDPOINT_URL;
  const endpoint = override ?? `https://${opts.service}.${region}.amazonaws.com`;
  let accessKeyId = env.AWS_ACCESS_KEY_ID;
  let secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    // Lambda always sets them. Only an overridden endpoint (the emulator's local services, which
    // accept any signature, in hybrid mode with an AWS_PROFILE) is signed with placeholders.
    if (!override) throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)');
    accessKeyId = 'local';
    secretAccessKey = 'local';
  }
  const credentials: Credentials = { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN };
  const url = new URL(endpoint);
  const maxAttempts = opts.maxAttempts ?? 3;
  const timeoutMs = opts.timeoutMs ?? 2000;

  return async function call<T>(action: string, body: Record<string, unknown>, callOptions: { deadlineMs?: number } = {}): Promise<T> {
    const payload = JSON.stringify(body);
    const deadline = callOptions.deadlineMs ?? Number.POSITIVE_INFINITY;
    for (let attempt = 1; ; attempt++) {
      let failure: AwsServiceError;
      try {
        // Signed per attempt: the signature carries the time.
        const headers = signRequest({
          method: 'POST',
          url,
          headers: { 'content-type': `application/x-amz-json-${opts.jsonVersion}`, 'x-amz-target': `${opts.targetPrefix}.${action}` },
          body: payload,
          service: opts.service,
          region,
          credentials,
          now: new Date(),
        });
        const res = await send(url, headers, payload, Math.max(1, Math.min(timeoutMs, deadline - Date.now())));
        if (res.status >= 200 && res.status < 300) return (res.text ? JSON.parse(res.text) : {}) as T;
        failure = errorOf(res.status, res.errorType, res.text);
      } catch (error) {
        // fetch failed (network, timeout) or the body was not JSON.
        const e = error as Error;
        failure = new AwsServiceError(e.name === 'TimeoutError' ? 'TimeoutError' : 'NetworkingError', e.message, 0);
      }
      const retryable = failure.retryable;
      if (!retryable || attempt >= maxAttempts) throw failure;
      // Full jitter, as the SDK's standard retry strategy: up to 100 ms, 200 ms, … at most 1 s.
      const wait = Math.random() * Math.min(1000, 100 * 2 ** (attempt - 1));
      if (Date.now() + wait >= deadline) throw failure;
      await sleep(wait);
    }
  };
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  url: URL;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
  service: string;
  region: string;
  credentials: Credentials;
  now: Date;
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * AWS Signature Version 4 for a request without query parameters
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html,
 * checked 2026-11-30): returns the headers to send, Authorization included.
 */
export function signRequest(input: SignInput): Record<string, string> {
  const amzDate = input.now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.url.host,
    'x-amz-date': amzDate,
    ...(input.credentials.sessionToken ? { 'x-amz-security-token': input.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [input.method, input.url.pathname || '/', '', canonicalHeaders, signedHeaders, sha256(input.body)].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, day), input.region), input.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}` };
}

export interface Reply {
  status: number;
  errorType: string | undefined;
  text: string;
}

/** One POST over node:http(s); the answer whole, whatever its status. */
export function send(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: timeoutMs }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const errorType = res.headers['x-amzn-errortype'];
        resolve({ status: res.statusCode ?? 0, errorType: Array.isArray(errorType) ? errorType[0] : errorType, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`No answer within ${timeoutMs} ms`), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"…"}` → the error. */
function errorOf(status: number, errorType: string | undefined, text: string): AwsServiceError {
  let type = errorType ?? '';
  let message = '';
  try {
    const body = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
    type = body.__type ?? type;
    message = body.message ?? body.Message ?? '';
  } catch {
    message = text.slice(0, 200);
  }
  const name = type.split('#').pop()!.split(':')[0]! || `Http${status}`;
  return new AwsServiceError(name, message, status);
}

type AttributeValue = { S?: string; N?: string; BOOL?: boolean; NULL?: boolean; M?: Record<string, AttributeValue>; L?: AttributeValue[]; SS?: string[]; NS?: string[] };

/** DynamoDB's typed JSON → plain values, for the types our items hold (numbers as JS numbers). */
export function unmarshall(item: Record<string, AttributeValue>): Record<string, unknown> {
  const value = (v: AttributeValue): unknown => {
    if (v.S !== undefined) return v.S;
    if (v.N !== undefined) return Number(v.N);
    if (v.BOOL !== undefined) return v.BOOL;
    if (v.NULL) return null;
    if (v.M) return unmarshall(v.M);
    if (v.L) return v.L.map(value);
    if (v.SS) return new Set(v.SS);
    if (v.NS) return new Set(v.NS.map(Number));
    throw new Error(`Unsupported DynamoDB attribute type: ${Object.keys(v).join(',')}`);
  };
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, value(v)]));
}
