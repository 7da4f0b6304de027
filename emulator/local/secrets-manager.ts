// A local Secrets Manager speaking the awsJson1_1 wire protocol, so the real SDK client works against it unchanged.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface SecretsManagerOptions {
  port?: number;
  host?: string;
  file: string;
}

export interface LocalSecretsManager {
  url: string;
  port: number;
  putSecret(name: string, value: string): Promise<{ arn: string }>;
  close(): Promise<void>;
}

interface StoredVersion {
  versionId: string;
  secretString?: string;
  secretBinary?: string; // base64, as it travels on the wire
  createdDate: number; // epoch milliseconds
  stages: string[];
}

interface StoredSecret {
  arn: string;
  name: string;
  description?: string;
  createdDate: number;
  lastChangedDate: number;
  versions: StoredVersion[];
}

interface StoreFile {
  version: 1;
  secrets: StoredSecret[];
}

type JsonObject = Record<string, unknown>;

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const ARN_PREFIX = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:`;
const ARN_PATTERN = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)$/;
const ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const MAX_BODY_BYTES = 1024 * 1024;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

const notFound = (): ServiceError =>
  new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

export async function startSecretsManager(opts: SecretsManagerOptions): Promise<LocalSecretsManager> {
  const secrets = await load(opts.file);
  const writer = serialised(() => save(opts.file, secrets));
  const persist = writer.run;

  const operations: Record<string, (input: JsonObject) => Promise<JsonObject>> = {
    GetSecretValue: async (input) => {
      const secret = find(secrets, requireString(input, 'SecretId'));
      const versionId = optionalString(input, 'VersionId');
      const stage = optionalString(input, 'VersionStage');
      const version = versionId
        ? secret.versions.find((v) => v.versionId === versionId && (!stage || v.stages.includes(stage)))
        : secret.versions.find((v) => v.stages.includes(stage ?? CURRENT));
      if (!version) {
        const what = versionId ? `VersionId: ${versionId}` : `staging label: ${stage ?? CURRENT}`;
        throw new ServiceError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for ${what}`,
        );
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
        ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
        VersionStages: [...version.stages],
        CreatedDate: seconds(version.createdDate),
      };
    },

    CreateSecret: async (input) => {
      const name = requireString(input, 'Name');
      if (name.length > 512 || ARN_PATTERN.test(name)) {
        throw new ServiceError('ValidationException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
      }
      const token = optionalString(input, 'ClientRequestToken');
      const clash = secrets.get(name);
      // The SDK fills ClientRequestToken itself, so a retried create carries the same token and must succeed.
      if (clash && token && clash.versions.some((v) => v.versionId === token)) {
        return { ARN: clash.arn, Name: clash.name, VersionId: token };
      }
      if (clash) {
        throw new ServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      }
      const value = readValue(input);
      const now = Date.now();
      const secret: StoredSecret = {
        arn: newArn(name),
        name,
        createdDate: now,
        lastChangedDate: now,
        versions: [],
      };
      const description = optionalString(input, 'Description');
      if (description !== undefined) secret.description = description;
      let versionId: string | undefined;
      if (value) {
        versionId = token ?? randomUUID();
        secret.versions.push({ versionId, ...value, createdDate: now, stages: [CURRENT] });
      }
      secrets.set(name, secret);
      await persist();
      return { ARN: secret.arn, Name: secret.name, ...(versionId ? { VersionId: versionId } : {}) };
    },

    PutSecretValue: async (input) => {
      const secret = find(secrets, requireString(input, 'SecretId'));
      const value = readValue(input);
      if (!value) {
        throw new ServiceError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
      }
      const versionId = optionalString(input, 'ClientRequestToken') ?? randomUUID();
      const stages = optionalStringArray(input, 'VersionStages') ?? [CURRENT];

      // A retried call with the same token is a no-op, as in AWS; a different value under it is a conflict.
      const existing = secret.versions.find((v) => v.versionId === versionId);
      if (existing) {
        if (existing.secretString !== value.secretString || existing.secretBinary !== value.secretBinary) {
          throw new ServiceError(
            'ResourceExistsException',
            `A resource with the ID you requested already exists.`,
          );
        }
        return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...existing.stages] };
      }

      const now = Date.now();
      if (stages.includes(CURRENT)) {
        for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== PREVIOUS);
        for (const v of secret.versions) {
          if (v.stages.includes(CURRENT)) v.stages = [...v.stages.filter((s) => s !== CURRENT), PREVIOUS];
        }
      }
      for (const v of secret.versions) v.stages = v.stages.filter((s) => s === CURRENT || s === PREVIOUS || !stages.includes(s));
      secret.versions.push({ versionId, ...value, createdDate: now, stages: [...stages] });
      // AWS eventually deletes versions without a label; dropping them at once keeps the file small.
      secret.versions = secret.versions.filter((v) => v.stages.length > 0);
      secret.lastChangedDate = now;
      await persist();
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...stages] };
    },

    DescribeSecret: async (input) => {
      const secret = find(secrets, requireString(input, 'SecretId'));
      return {
        ARN: secret.arn,
        Name: secret.name,
        ...(secret.description !== undefined ? { Description: secret.description } : {}),
        CreatedDate: seconds(secret.createdDate),
        LastChangedDate: seconds(secret.lastChangedDate),
        VersionIdsToStages: Object.fromEntries(secret.versions.map((v) => [v.versionId, [...v.stages]])),
      };
    },
  };

  const server = createServer((req, res) => {
    handle(req, res, operations).catch(() => {
      // Only reachable if writing the response itself failed; the socket is gone, nothing to tell.
      res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,

    async putSecret(name, value) {
      const wanted = parseWantedName(name);
      const existing = secrets.get(wanted.name);
      if (existing) return { arn: existing.arn };
      const now = Date.now();
      const secret: StoredSecret = {
        arn: wanted.arn ?? newArn(wanted.name),
        name: wanted.name,
        createdDate: now,
        lastChangedDate: now,
        versions: [{ versionId: randomUUID(), secretString: value, createdDate: now, stages: [CURRENT] }],
      };
      secrets.set(wanted.name, secret);
      await persist();
      return { arn: secret.arn };
    },

    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // SDK clients keep connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      });
      await writer.idle();
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  operations: Record<string, (input: JsonObject) => Promise<JsonObject>>,
): Promise<void> {
  const requestId = randomUUID();
  try {
    const target = header(req, 'x-amz-target');
    const [service, op] = target?.split('.') ?? [];
    const operation = service === 'secretsmanager' && op ? operations[op] : undefined;
    if (req.method !== 'POST' || !operation) {
      await drain(req);
      throw new ServiceError('UnknownOperationException', `Unknown operation ${target ?? '(no X-Amz-Target)'}`);
    }
    const input = parseBody(await readBody(req));
    send(res, 200, await operation(input), requestId);
  } catch (err) {
    if (err instanceof ServiceError) {
      send(res, err.status, { __type: err.type, message: err.message }, requestId, err.type);
    } else {
      // The message could quote a request body, and request bodies carry secret values.
      send(res, 500, { __type: 'InternalServiceError', message: 'An internal error occurred.' }, requestId, 'InternalServiceError');
    }
  }
}

function send(res: ServerResponse, status: number, body: JsonObject, requestId: string, errorType?: string): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': requestId,
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(payload);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ServiceError('InvalidRequestException', 'Request body is too large.');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const chunk of req) void chunk;
}

function parseBody(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new ServiceError('SerializationException', 'Request body is not valid JSON.');
  }
  if (!isObject(parsed)) throw new ServiceError('SerializationException', 'Request body must be a JSON object.');
  return parsed;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(input: JsonObject, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value === '') {
    throw new ServiceError('InvalidParameterException', `${key} is required and must be a non-empty string.`);
  }
  return value;
}

function optionalString(input: JsonObject, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ServiceError('InvalidParameterException', `${key} must be a string.`);
  return value;
}

function optionalStringArray(input: JsonObject, key: string): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v): v is string => typeof v === 'string')) {
    throw new ServiceError('InvalidParameterException', `${key} must be a non-empty list of strings.`);
  }
  return value;
}

function readValue(input: JsonObject): { secretString?: string; secretBinary?: string } | undefined {
  const secretString = optionalString(input, 'SecretString');
  const secretBinary = optionalString(input, 'SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined) {
    throw new ServiceError('InvalidParameterException', 'You can\'t specify both a binary secret value and a string secret value in the same secret.');
  }
  if (secretString !== undefined) return { secretString };
  if (secretBinary !== undefined) return { secretBinary };
  return undefined;
}

function find(secrets: Map<string, StoredSecret>, secretId: string): StoredSecret {
  const byName = secrets.get(secretId);
  if (byName) return byName;
  const match = ARN_PATTERN.exec(secretId);
  if (match) {
    for (const secret of secrets.values()) if (secret.arn === secretId) return secret;
    // AWS also accepts a partial ARN, one without the random suffix.
    const partial = secrets.get(match[1]);
    if (partial) return partial;
  }
  throw notFound();
}

function parseWantedName(nameOrArn: string): { name: string; arn?: string } {
  const match = ARN_PATTERN.exec(nameOrArn);
  if (!match) return { name: nameOrArn };
  if (ARN_SUFFIX.test(match[1])) return { name: match[1].replace(ARN_SUFFIX, ''), arn: nameOrArn };
  return { name: match[1] };
}

function newArn(name: string): string {
  const bytes = randomBytes(6);
  const suffix = Array.from(bytes, (b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join('');
  return `${ARN_PREFIX}${name}-${suffix}`;
}

function seconds(epochMs: number): number {
  return epochMs / 1000;
}

async function load(file: string): Promise<Map<string, StoredSecret>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Refuse to start rather than silently replace a secret that tokens were signed with.
    throw new Error(`Local Secrets Manager store ${file} is not valid JSON; fix or delete it.`);
  }
  if (!isObject(parsed) || parsed.version !== 1 || !Array.isArray(parsed.secrets)) {
    throw new Error(`Local Secrets Manager store ${file} has an unknown format; fix or delete it.`);
  }
  const store = parsed as unknown as StoreFile;
  return new Map(store.secrets.map((s) => [s.name, s]));
}

async function save(file: string, secrets: Map<string, StoredSecret>): Promise<void> {
  const store: StoreFile = { version: 1, secrets: [...secrets.values()] };
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
    // Rename is atomic, so a crash mid-write never leaves a half-written store behind.
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

// Writes of a full snapshot must land in call order, or an older snapshot could overwrite a newer one.
function serialised(task: () => Promise<void>): { run(): Promise<void>; idle(): Promise<void> } {
  let tail: Promise<void> = Promise.resolve();
  return {
    run() {
      const next = tail.then(task, task);
      tail = next.catch(() => undefined);
      return next;
    },
    idle: () => tail,
  };
}
