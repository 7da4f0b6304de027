// Starts an emulator for one test file on a random port with a fresh data folder, capturing
// every log line so tests can look at them.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
 * The web ACL is off unless a test asks for it (waf: true): every test request comes from one
 * loopback address, so per-IP rate rules would count the whole suite as one client.
 */
export async function startTestEmulator(options: Partial<EmulatorOptions> = {}): Promise<TestEmulator> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tollgate-test-'));
  const logs: string[] = [];
  const emulator = await startEmulator({ cdkOut: TEST_CDK_OUT, dataDir, port: 0, log: (line) => logs.push(line), dynamodb: TEST_DYNAMODB, waf: false, ...options });
  return {
    ...emulator,
    logs,
    client: (token?: string) => createClient({ url: emulator.graphqlUrl, apiKey: emulator.apiKey, token, fetch: fetchFrom(nextLoopbackAddress()) }),
    clientFrom: (address: string, token?: string) => createClient({ url: emulator.graphqlUrl, apiKey: emulator.apiKey, token, fetch: fetchFrom(address) }),
    stop: async () => {
      await emulator.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Tests run on the machine's Node.js 20; the SDK's notice that it will soon need 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let counter = 0;
/** A fresh, valid account name per call, so tests never collide. */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

/** The emulator's local DynamoDB, to read what the API wrote (assert the answer, then the side effect). */
export function documentClientOf(api: Emulator): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: api.dynamodbUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
}

/** A new account, logged in, on a client (and address) of its own. */
export async function loggedIn(api: TestEmulator, label: string) {
  const email = uniqueEmail(label);
  const client = api.client();
  const { id } = await client.register(email, PASSWORD);
  const { token } = await client.login(email, PASSWORD);
  return { email, userId: id, token, client };
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
