// Signs requests to the API with SigV4 as a Lambda function would (AWS's own signer,
// @smithy/signature-v4), with the credentials the emulator handed that function.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from '../../emulator/iam/index.ts';

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Data) => (typeof data === 'string' ? Buffer.from(data, 'utf8') : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data));

/** Node's SHA-256 in the shape the signer wants (what @smithy/hash-node does). */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
}

export interface SignOptions {
  region?: string;
  service?: string;
  signingDate?: Date;
}

/** The headers of a signed POST of `body` to `url` (lower-case names). */
export async function signPost(url: string, body: string, credentials: AwsCredentials, headers: Record<string, string>, options: SignOptions = {}): Promise<Record<string, string>> {
  const target = new URL(url);
  const signer = new SignatureV4({ credentials, region: options.region ?? 'us-east-1', service: options.service ?? 'appsync', sha256: NodeSha256 });
  const signed = await signer.sign(
    { method: 'POST', protocol: target.protocol, hostname: target.hostname, port: target.port ? Number(target.port) : undefined, path: target.pathname, query: {}, headers: { ...headers, host: target.host }, body },
    { signingDate: options.signingDate },
  );
  return Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

/** A GraphQL request signed with IAM, as the model function will send publishPromptEvent. */
export async function iamGraphQL(
  url: string,
  credentials: AwsCredentials,
  request: { query: string; variables?: Record<string, unknown> },
  options: SignOptions & { tamper?: (headers: Record<string, string>) => void } = {},
): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { errorType?: string | null; message: string }[] }; errorType: string | null }> {
  const body = JSON.stringify(request);
  const headers = await signPost(url, body, credentials, { 'content-type': 'application/json' }, options);
  options.tamper?.(headers);
  const { host: _host, ...sendable } = headers;
  const response = await fetch(url, { method: 'POST', headers: sendable, body });
  return { status: response.status, body: (await response.json()) as never, errorType: response.headers.get('x-amzn-errortype') };
}

export const PUBLISH_PROMPT_EVENT = /* GraphQL */ `
  mutation PublishPromptEvent($event: PromptEventInput!) {
    publishPromptEvent(event: $event) { promptId userId seq kind text offset status usage { inputTokens outputTokens } queries balance errorType message retryable retryAfterSeconds }
  }
`;
