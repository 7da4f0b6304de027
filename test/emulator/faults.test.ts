// AWS hiccups, injected into the local services, through the real pipeline: every path ends in
// an answer or an error from the vocabulary (never InternalError for a retryable fault), and the
// books balance once the reconciler has run (test/helpers/books.ts).
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultPlan } from '../../emulator/faults/plan.ts';
import { constructId } from '../../emulator/template.ts';
import { startBedrock } from '../../emulator/local/bedrock.ts';
import type { ModelEvent } from '../../functions/commons/contracts.ts';
import { leaseOf } from '../../resolvers/lib/settlement.ts';
import { checkBooks, quiesce } from '../helpers/books.ts';
import { documentClientOf, loggedIn, outcome, startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

const plan = new FaultPlan([], 14);
let api: TestEmulator;
let db: DynamoDBDocumentClient;
const day = () => new Date(api.clock.now()).toISOString().slice(0, 10);
const TOKEN_LIMIT = 200_000;
/** The reconciler first (what a pipeline leaves, it finishes), then the books. */
const books = async (userId: string) => {
  await quiesce(api);
  const b = await checkBooks(db, api, userId, day(), TOKEN_LIMIT);
  expect(b.violations).toEqual([]);
  return b;
};
const functionId = (id: string) => [...api.stack.lambdas.keys()].find((logicalId) => constructId(logicalId) === id)!;

beforeAll(async () => {
  api = await startTestEmulator({ faultPlan: plan, schedules: false });
  db = documentClientOf(api);
});

afterEach(() => {
  plan.clear();
  api.clock.reset();
});

afterAll(async () => {
  await api?.stop();
});

describe('at the door', () => {
  // First in the file: the authorizer has not started yet, so its first call is a cold start.
  it('Secrets Manager or DynamoDB failing at the authorizer’s cold start answers RateLimited, not a 401 that logs the client out', async () => {
    const { client } = await loggedIn(api, 'door');
    plan.set([{ service: 'secretsmanager', kind: 'InternalServiceError', probability: 1 }]);
    await expect(client.myUsage()).rejects.toMatchObject({ errorType: 'RateLimited', status: 200, errorInfo: { retryAfterSeconds: 2 } });
    plan.set([{ service: 'dynamodb', kind: 'ThrottlingException', target: 'UsersTable', operation: 'GetItem', probability: 1 }]);
    await expect(client.sendPrompt('not yet')).rejects.toMatchObject({ errorType: 'RateLimited' });
    // Never cached: the same token works as soon as AWS does.
    plan.clear();
    await expect(client.myUsage()).resolves.toMatchObject({ queries: 0 });
    expect(api.logs.some((l) => l.includes('authorizer checks unavailable'))).toBe(true);
  });

  it('a forged token is still refused while the checks cannot be made for real ones', async () => {
    const { client } = await loggedIn(api, 'door-forged');
    await client.myUsage();
    plan.set([{ service: 'dynamodb', kind: 'InternalServerError', target: 'UsersTable', probability: 1 }]);
    const forged = api.client('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl');
    await expect(forged.myUsage()).rejects.toMatchObject({ errorType: 'UnauthorizedException', status: 401 });
  });
});

describe('DynamoDB', () => {
  it('throttling a pipeline read answers RateLimited with retryAfterSeconds and charges nothing', async () => {
    const { client, userId } = await loggedIn(api, 'throttled');
    await client.myUsage(); // the authorizer's decision is cached from here on
    plan.set([{ service: 'dynamodb', kind: 'ThrottlingException', target: 'UsersTable', operation: 'GetItem', probability: 1 }]);
    await expect(client.sendPrompt('checked token')).rejects.toMatchObject({ errorType: 'RateLimited', errorInfo: { retryAfterSeconds: 1 } });
    plan.set([{ service: 'dynamodb', kind: 'ProvisionedThroughputExceededException', target: 'UsageTable', operation: 'GetItem', probability: 1 }]);
    await expect(client.myUsage()).rejects.toMatchObject({ errorType: 'RateLimited' });
    plan.clear();
    expect(await books(userId)).toMatchObject({ charged: 0 });
    expect(api.logs.some((l) => l.includes('"tollgateEvent":"ServiceBusy"'))).toBe(true);
  });

  it('an admission whose answer was lost (applied, then a 500) still answers the prompt, charged once', async () => {
    const { client, userId } = await loggedIn(api, 'lost');
    plan.set([{ service: 'dynamodb', kind: 'LostResponse', target: 'UsageTable', operation: 'UpdateItem', probability: 1, limit: 1 }]);
    await expect(client.sendPrompt('was I admitted?')).resolves.toMatchObject({ queries: 1 });
    expect(await books(userId)).toMatchObject({ charged: 1, records: { COMPLETED: 1 } });
  });

  it('a throttled admission is tried again by readmit, and the prompt answered', async () => {
    const { client, userId } = await loggedIn(api, 'readmitted');
    plan.set([{ service: 'dynamodb', kind: 'ThrottlingException', target: 'UsageTable', operation: 'UpdateItem', probability: 1, limit: 1 }]);
    await expect(client.sendPrompt('second chance')).resolves.toMatchObject({ queries: 1 });
    expect(await books(userId)).toMatchObject({ charged: 1 });
  });

  it('settle writes failing past every retry leave the answer with the client and the prompt to the reconciler, charged by the timeout rule', async () => {
    const { client, userId } = await loggedIn(api, 'unlogged');
    plan.set([{ service: 'dynamodb', kind: 'InternalServerError', target: 'PromptsTable', operation: 'PutItem', probability: 1 }]);
    const answer = await client.sendPrompt('answered, not logged');
    expect(answer.response).toBeTruthy();
    plan.clear();
    expect(await quiesce(api)).toMatchObject({ timedOut: 1 });
    expect(await books(userId)).toMatchObject({ charged: 1, records: { TIMED_OUT: 1 } });
  });

  it('a prompt whose request died between its two writes is finished by the reconciler from its record, once', async () => {
    const { userId } = await loggedIn(api, 'half');
    const now = api.clock.now();
    const id = '01KB00000000000000000HALF1';
    const lease = leaseOf(now + 30_000, id, 1000, 500, 'us.amazon.nova-2-lite-v1:0');
    const settlement = { day: day(), minuteAttr: 'm0000', lease, queriesDelta: 0, tokensDelta: -700, inputTokens: 100, outputTokens: 200, releaseKey: '' };
    await db.send(new PutCommand({ TableName: api.tableName('UsageTable'), Item: { userId, day: day(), queries: 1, tokens: 1000, inputTokens: 0, outputTokens: 0, m0000: 1, leases: new Set([lease]), leaseShard: userId.slice(-1), leaseDue: now + 30_000 } }));
    await db.send(
      new PutCommand({
        TableName: api.tableName('PromptsTable'),
        Item: { userId, id, prompt: 'half done', model: 'us.amazon.nova-2-lite-v1:0', createdAt: new Date(now).toISOString(), status: 'COMPLETED', response: 'yes', inputTokens: 100, outputTokens: 200, settlement },
      }),
    );
    expect(await quiesce(api)).toMatchObject({ applied: 1, timedOut: 0 });
    expect(await books(userId)).toMatchObject({ charged: 1, tokens: 300, records: { COMPLETED: 1 } });
  });
});

describe('the model function', () => {
  it('crashing at a random point answers ModelError (retryable), and the prompt ends charged once or refunded', async () => {
    const { client, userId } = await loggedIn(api, 'crash');
    for (let i = 0; i < 4; i++) {
      plan.set([{ service: 'lambda', kind: i % 2 ? 'timeout' : 'crash', target: 'ModelFunction', probability: 1, limit: 1 }]);
      const result = await outcome(client.sendPrompt(`crash ${i}`));
      expect(result).toBe('ModelError');
    }
    plan.clear();
    await quiesce(api);
    const b = await books(userId);
    expect(b.chargedRecords).toBe(4);
  });

  it('throttled or failing in init is refunded: the model never ran', async () => {
    const { client, userId } = await loggedIn(api, 'throttle');
    for (const kind of ['throttle', 'init']) {
      plan.set([{ service: 'lambda', kind, target: 'ModelFunction', probability: 1, limit: 1 }]);
      await expect(client.sendPrompt(`${kind}d`)).rejects.toMatchObject({ errorType: 'ModelError', errorInfo: { retryable: true }, message: expect.stringContaining('not charged') });
    }
    expect(await books(userId)).toMatchObject({ charged: 0, records: { FAILED: 2 } });
  });

  it('settles a duplicated asynchronous event once: the second delivery changes nothing', async () => {
    const { userId } = await loggedIn(api, 'dup');
    const now = api.clock.now();
    const id = '01KB0000000000000000000DUP';
    const lease = leaseOf(now + 30_000, id, 1000, 500, 'us.amazon.nova-2-lite-v1:0');
    // What an admission leaves: counters charged, the lease held.
    await db.send(new PutCommand({ TableName: api.tableName('UsageTable'), Item: { userId, day: day(), queries: 1, tokens: 1000, inputTokens: 0, outputTokens: 0, m0000: 1, leases: new Set([lease]) } }));
    const event: ModelEvent = {
      modelId: 'us.amazon.nova-2-lite-v1:0',
      prompt: 'twice delivered',
      maxTokens: 500,
      temperature: null,
      pending: { userId, id, day: day(), minuteAttr: 'm0000', lease, reserve: 1000, maxTokens: 500, prompt: 'twice delivered', model: 'us.amazon.nova-2-lite-v1:0', createdAt: new Date(now).toISOString(), expiresAt: Math.floor(now / 1000) + 86400, idempotencyKey: null, queries: 1, dailyPromptLimit: 50 },
    };
    api.lambdaAsync.invoke(functionId('ModelFunction'), event);
    await api.lambdaAsync.idle();
    const once = (await db.send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day: day() } }))).Item;
    api.lambdaAsync.invoke(functionId('ModelFunction'), event);
    await api.lambdaAsync.idle();
    const twice = (await db.send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day: day() } }))).Item;
    expect(twice).toEqual(once);
    expect(once?.leases).toBeUndefined();
    expect((await books(userId)).records).toEqual({ COMPLETED: 1 });
  });

  it('an asynchronous event that crashes goes, unretried, to the reconciler, which settles its prompt', async () => {
    const { userId } = await loggedIn(api, 'async-crash');
    const now = api.clock.now();
    const id = '01KB000000000000000000CRSH';
    const lease = leaseOf(now + 30_000, id, 1000, 500, 'us.amazon.nova-2-lite-v1:0');
    await db.send(new PutCommand({ TableName: api.tableName('UsageTable'), Item: { userId, day: day(), queries: 1, tokens: 1000, inputTokens: 0, outputTokens: 0, m0000: 1, leases: new Set([lease]) } }));
    plan.set([{ service: 'lambda', kind: 'crash', target: 'ModelFunction', probability: 1, limit: 1 }]);
    const retriesBefore = api.lambdaAsync.stats.retries;
    api.lambdaAsync.invoke(functionId('ModelFunction'), {
      modelId: 'us.amazon.nova-2-lite-v1:0',
      prompt: 'crashes',
      maxTokens: 500,
      temperature: null,
      pending: { userId, id, day: day(), minuteAttr: 'm0000', lease, reserve: 1000, maxTokens: 500, prompt: 'crashes', model: 'us.amazon.nova-2-lite-v1:0', createdAt: new Date(now).toISOString(), expiresAt: Math.floor(now / 1000) + 86400, idempotencyKey: null, queries: 1, dailyPromptLimit: 50 },
    } satisfies ModelEvent);
    await api.lambdaAsync.idle();
    expect(api.lambdaAsync.stats.retries).toBe(retriesBefore);
    const b = await books(userId);
    expect(b.chargedRecords).toBe(1);
  });
});

describe('Bedrock', () => {
  it('cuts a stream midway with a modelStreamErrorException event', async () => {
    const bedrock = await startBedrock();
    try {
      const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: bedrock.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const out = await client.send(
        new ConverseStreamCommand({ modelId: 'us.amazon.nova-2-lite-v1:0', messages: [{ role: 'user', content: [{ text: 'a long story, please [[fault:stream-cut:2]]' }] }] }),
      );
      const deltas: string[] = [];
      const read = async () => {
        for await (const event of out.stream!) if (event.contentBlockDelta?.delta?.text) deltas.push(event.contentBlockDelta.delta.text);
      };
      await expect(read()).rejects.toMatchObject({ name: 'ModelStreamErrorException' });
      expect(deltas).toHaveLength(2);
      client.destroy();
    } finally {
      await bedrock.close();
    }
  });
});
