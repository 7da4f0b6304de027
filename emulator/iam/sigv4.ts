// Verifies AWS Signature Version 4 the way AppSync does for AWS_IAM callers: the canonical
// request is rebuilt from what arrived and signed again with the secret the emulator handed out
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  method: string;
  /** The path as sent, still percent-encoded, without the query string. */
  path: string;
  /** The raw query string without `?` ('' for none). */
  query: string;
  /** Lower-case header names (over HTTP/2, with :authority). */
  headers: Record<string, string>;
  body: string;
}

export interface SigningSecret {
  secretAccessKey: string;
  /** Temporary credentials: the token the request must carry in x-amz-security-token. */
  sessionToken: string | null;
}

export type Verification<T> =
  | { ok: true; accessKeyId: string; credential: T; region: string }
  | { ok: false; status: 400 | 403; errorType: 'UnrecognizedClientException' | 'InvalidSignatureException' | 'IncompleteSignatureException'; message: string };

export interface VerifyOptions {
  /** The endpoint's Region; null for one that answers any (a client picks Bedrock's Region itself). */
  region: string | null;
  service: string;
  /** Wall-clock epoch ms: signers use the real clock, whatever the emulator's test clock says. */
  now: number;
  /** AWS refuses a signature older or newer than this (SigV4's usual 5 minutes). */
  maxSkewMs?: number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function escape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Every service but S3 signs the path encoded once more, segment by segment. */
function canonicalPath(path: string): string {
  return path === '' ? '/' : path.split('/').map(escape).join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return eq === -1 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
  }) as [string, string][];
  return pairs
    .map(([k, v]) => [escape(k), escape(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string): ParsedAuthorization | string {
  if (!value.startsWith(ALGORITHM + ' ')) return `Unsupported algorithm; expected ${ALGORITHM}.`;
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    return "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.";
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') return `Credential should be <key>/<date>/<region>/<service>/aws4_request. Received: ${credential}`;
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** x-amz-date (YYYYMMDD'T'HHMMSS'Z') as epoch ms, or NaN. */
function amzDateMs(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : Number.NaN;
}

export function verifySigV4<T extends SigningSecret>(request: SignedRequest, lookup: (accessKeyId: string) => T | undefined, options: VerifyOptions): Verification<T> {
  const incomplete = (message: string) => ({ ok: false, status: 400, errorType: 'IncompleteSignatureException', message }) as const;
  const invalid = (message: string) => ({ ok: false, status: 403, errorType: 'InvalidSignatureException', message }) as const;
  const parsed = parseAuthorization(request.headers.authorization ?? '');
  if (typeof parsed === 'string') return incomplete(parsed);
  const credential = lookup(parsed.accessKeyId);
  if (!credential) return { ok: false, status: 403, errorType: 'UnrecognizedClientException', message: INVALID_TOKEN };
  if (credential.sessionToken !== null && request.headers['x-amz-security-token'] !== credential.sessionToken) {
    return { ok: false, status: 403, errorType: 'UnrecognizedClientException', message: INVALID_TOKEN };
  }
  if (parsed.service !== options.service) return invalid(`Credential should be scoped to correct service: '${options.service}'.`);
  const regionOk = options.region === null ? /^[a-z]{2}(-[a-z]+)+-\d$/.test(parsed.region) : parsed.region === options.region;
  if (!regionOk) return invalid(`Credential should be scoped to a valid region, not '${parsed.region}'.`);
  const amzDate = request.headers['x-amz-date'] ?? '';
  const signedAt = amzDateMs(amzDate);
  if (Number.isNaN(signedAt)) return incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (amzDate.slice(0, 8) !== parsed.date) return invalid(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parsed.date}' != '${amzDate.slice(0, 8)}'`);
  const skew = options.maxSkewMs ?? 5 * 60_000;
  if (Math.abs(options.now - signedAt) > skew) return invalid(`Signature expired: ${amzDate} is outside the allowed ${skew / 60_000} minutes of the server's time.`);
  // Over HTTP/2 the SDK signs the host under its pseudo-header's name.
  if (!parsed.signedHeaders.includes('host') && !parsed.signedHeaders.includes(':authority')) return invalid("'Host' must be a 'SignedHeader' in the AWS Authorization.");

  const canonicalHeaders: string[] = [];
  for (const name of parsed.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return invalid(MISMATCH);
    canonicalHeaders.push(`${name}:${value.trim().replace(/\s+/g, ' ')}\n`);
  }
  // Always the hash of what arrived: an x-amz-content-sha256 header that claims another body fails.
  const payloadHash = sha256(request.body);
  const claimed = request.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== payloadHash) return invalid(MISMATCH);
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.path),
    canonicalQuery(request.query),
    canonicalHeaders.join(''),
    parsed.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${parsed.date}/${parsed.region}/${parsed.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credential.secretAccessKey}`, parsed.date), parsed.region), parsed.service), 'aws4_request');
  const expected = Buffer.from(hmac(key, stringToSign).toString('hex'));
  const given = Buffer.from(parsed.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return invalid(MISMATCH);
  return { ok: true, accessKeyId: parsed.accessKeyId, credential, region: parsed.region };
}
