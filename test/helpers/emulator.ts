// Emulators for tests: one per test file on a random port with a fresh data folder, every log
// line captured, and a fresh user per test, so files run in parallel and tests never collide.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createClient, TollgateError, type TollgateClient } from '../../client/index.ts';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/start.ts';
import { TEST_DYNAMODB } from './dynamodb.ts';
import { TEST_CDK_OUT } from './global-setup.ts';
import { fetchFrom, nextLoopbackAddress } from './loopback.ts';

export interface TestEmulator extends Emulator {
  logs: string[];
  /** A client on a loopback address of its own (127.0.1.x…), as a separate machine would be. */
  client(token?: string): TollgateClient;
  /** A client connecting from the given loopback address, for per-source-IP limits. */
  clientFrom(address: string, token?: string): TollgateClient;
  stop(): Promise<void>;
}

/**
 * bcrypt's cheapest cost, for tests that are not about bcrypt: 2^6 = 64 times fewer rounds than
 * the default 10 (bcryptjs here: ~6 ms against ~170 ms a hash on a loaded 2-core machine), which
 * adds up over a suite that registers and logs in hundreds of times. Only the emulator's Lambda
 * environment is changed; the template keeps the configured cost (test/infra checks it).
 */
export const CHEAP_BCRYPT_COST = 4;

export interface TestEmulatorOptions extends Partial<EmulatorOptions> {
  /** Keep the template's bcrypt cost: for tests about bcrypt itself (login timing). */
  realBcrypt?: boolean;
}

/**
 * The web ACL is off unless a test asks for it (waf: true): every test request comes from one
 * loopback address, so per-IP rate rules would count the whole suite as one client.
 */
export async function startTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const { realBcrypt, ...rest } = options;
  const dataDir = rest.dataDir ?? mkdtempSync(join(tmpdir(), 'tollgate-test-'));
  const logs: string[] = [];
  const emulator = await startEmulator({
    cdkOut: TEST_CDK_OUT,
    dataDir,
    port: 0,
    log: (line) => logs.push(line),
    bcryptCostOverride: realBcrypt ? undefined : CHEAP_BCRYPT_COST,
    dynamodb: TEST_DYNAMODB,
    waf: false,
    ...rest,
  });
  return {
    ...emulator,
    logs,
    client: (token?: string) => createClient({ url: emulator.graphqlUrl, apiKey: emulator.apiKey, token, fetch: fetchFrom(nextLoopbackAddress()) }),
    clientFrom: (address: string, token?: string) => createClient({ url: emulator.graphqlUrl, apiKey: emulator.apiKey, token, fetch: fetchFrom(address) }),
    stop: async () => {
      await emulator.close();
      if (!rest.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Tests may run on the machine's Node.js 20; the SDK's notice that it will soon need 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let counter = 0;
/** A fresh, valid account name per call, so tests never collide (also across parallel files). */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

export interface TestUser {
  email: string;
  password: string;
  id: string;
  token: string;
  expiresAt: string;
  /** Logged in: calls carry the user's token. */
  client: TollgateClient;
}

/** A newly registered, logged-in user of any API a test talks to (an emulator or a deployed stack). */
export async function freshUser(api: { client(token?: string): TollgateClient }, label = 'user'): Promise<TestUser> {
  const email = uniqueEmail(label);
  const client = api.client();
  const { id } = await client.register(email, PASSWORD);
  const { token, expiresAt } = await client.login(email, PASSWORD);
  return { email, password: PASSWORD, id, token, expiresAt, client };
}

/**
 * One emulator for the whole test file: started in beforeAll, stopped in afterAll. Tests reach
 * it through `api` and take a fresh user each with `freshUser()`, so they do not depend on each
 * other's accounts, quotas or sessions.
 */
export function useEmulator(options: TestEmulatorOptions = {}): { readonly api: TestEmulator; freshUser(label?: string): Promise<TestUser> } {
  let started: TestEmulator | undefined;
  beforeAll(async () => {
    started = await startTestEmulator(options);
  });
  afterAll(async () => {
    await started?.stop();
  });
  const api = (): TestEmulator => {
    if (!started) throw new Error('useEmulator(): the emulator starts in beforeAll; use it inside tests and hooks.');
    return started;
  };
  return {
    get api() {
      return api();
    },
    freshUser: (label?: string) => freshUser(api(), label),
  };
}

/** The emulator's local DynamoDB, to read what the API wrote (assert the answer, then the side effect). */
export function documentClientOf(api: Emulator): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: api.dynamodbUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
}

/**
 * A new account with its own limits (the Users item's per-user overrides, as `npm run admin --
 * limits` sets them), logged in again so that its token carries them.
 */
export async function chatter(api: TestEmulator, label: string, limits: Record<string, number>): Promise<TestUser> {
  const user = await freshUser(api, label);
  const sets = Object.keys(limits).map((k) => `${k} = :${k}`);
  await documentClientOf(api).send(
    new UpdateCommand({
      TableName: api.tableName('UsersTable'),
      Key: { email: user.email },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeValues: Object.fromEntries(Object.entries(limits).map(([k, v]) => [`:${k}`, v])),
    }),
  );
  const { token, expiresAt } = await user.client.login(user.email, user.password);
  return { ...user, token, expiresAt };
}

/** A new account, logged in, on a client (and address) of its own. */
export async function loggedIn(api: TestEmulator, label: string) {
  const user = await freshUser(api, label);
  return { email: user.email, userId: user.id, token: user.token, client: user.client };
}

/** 'ok', or the errorType the API answered with. */
export const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof TollgateError ? e.errorType : String(e)));

export const tally = (xs: string[]) => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {});

/** A port nothing listens on right now, for tests that start servers as separate processes. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
