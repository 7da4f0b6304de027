// A small AWS JSON-protocol client (DynamoDB, Secrets Manager): SigV4 from aws4fetch over the
// runtime's fetch, with retries. The authorizer's two calls go through here instead of the AWS
// SDK, whose clients took ~138 ms of its ~141 ms cold init (bench, 2026-11-25), in front of every
// request whose token AppSync has not cached.
//
// It honours what the SDK honours for these calls, so the same bundle runs on AWS and offline:
// AWS_ENDPOINT_URL_<SERVICE> then AWS_ENDPOINT_URL for the endpoint, AWS_REGION, and Lambda's
// credentials AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
import { AwsClient } from 'aws4fetch';

export class AwsServiceError extends Error {
  constructor(
    /** The exception name, e.g. ResourceNotFoundException, as the SDK would name its class. */
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
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

export type JsonCall = <T>(action: string, body: Record<string, unknown>) => Promise<T>;

export function jsonService(opts: JsonServiceOptions): JsonCall {
  const env = opts.env ?? process.env;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const endpoint = env[`AWS_ENDPOINT_URL_${opts.endpointId}`] ?? env.AWS_ENDPOINT_URL ?? `https://${opts.service}.${region}.amazonaws.com`;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)');
  // Retries are ours (aws4fetch's retry only 5xx/429 and never a network error).
  const client = new AwsClient({ accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN, service: opts.service, region, retries: 0 });
  const maxAttempts = opts.maxAttempts ?? 3;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const headers = { 'content-type': `application/x-amz-json-${opts.jsonVersion}` };

  return async function call<T>(action: string, body: Record<string, unknown>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let failure: AwsServiceError;
      try {
        const res = await client.fetch(endpoint, {
          method: 'POST',
          headers: { ...headers, 'x-amz-target': `${opts.targetPrefix}.${action}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        if (res.ok) return (text ? JSON.parse(text) : {}) as T;
        failure = errorOf(res, text);
      } catch (error) {
        // fetch failed (network, timeout) or the body was not JSON.
        const e = error as Error;
        failure = new AwsServiceError(e.name === 'TimeoutError' ? 'TimeoutError' : 'NetworkingError', e.message, 0);
      }
      const retryable = failure.status === 0 || failure.status >= 500 || failure.status === 429 || RETRYABLE.test(failure.name);
      if (!retryable || attempt >= maxAttempts) throw failure;
      // Full jitter, as the SDK's standard retry strategy: up to 100 ms, 200 ms, …
      await sleep(Math.random() * 100 * 2 ** (attempt - 1));
    }
  };
}

/** `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"…"}` → the error. */
function errorOf(res: Response, text: string): AwsServiceError {
  let type = res.headers.get('x-amzn-errortype') ?? '';
  let message = '';
  try {
    const body = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
    type = body.__type ?? type;
    message = body.message ?? body.Message ?? '';
  } catch {
    message = text.slice(0, 200);
  }
  const name = type.split('#').pop()!.split(':')[0]! || `Http${res.status}`;
  return new AwsServiceError(name, message, res.status);
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
