// Exact accounting through the real sendPrompt pipeline: limits under concurrency, refunds,
// idempotent retries, the minute and day windows (moved with the emulator's clock).
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError, type TollgateClient } from '../../client/index.ts';
import { documentClientOf, outcome as errorTypeOf, PASSWORD, startTestEmulator, tally, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';

let api: TestEmulator;
let db: DynamoDBDocumentClient;

const today = () => new Date(api.clock.now()).toISOString().slice(0, 10);

beforeAll(async () => {
  api = await startTestEmulator();
  db = documentClientOf(api);
});

afterEach(() => api.clock.reset());

afterAll(async () => {
  db?.destroy();
  await api?.stop();
});

/** A fresh user with per-user limits (what the admin command sets), logged in. */
async function userWith(limits: { dailyPromptLimit?: number; dailyTokenLimit?: number; promptsPerMinute?: number; promptsInFlight?: number }) {
  const email = uniqueEmail('quota');
  const client = api.client();
  const { id } = await client.register(email, PASSWORD);
  const sets = Object.keys(limits).map((k) => `${k} = :${k}`);
  if (sets.length) {
    await db.send(
      new UpdateCommand({
        TableName: api.tableName('UsersTable'),
        Key: { email },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeValues: Object.fromEntries(Object.entries(limits).map(([k, v]) => [`:${k}`, v])),
      }),
    );
  }
  await client.login(email, PASSWORD);
  return { client, userId: id };
}

async function usageItem(userId: string, day = today()) {
  return (await db.send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day }, ConsistentRead: true }))).Item ?? {};
}

async function prompts(client: TollgateClient) {
  return (await client.myPrompts(100)).items;
}

describe('the daily prompt limit', () => {
  it('admits exactly N of 4N concurrent prompts, stores N, and hands out balances N-1…0 once each', async () => {
    const N = 5;
    const { client, userId } = await userWith({ dailyPromptLimit: N, promptsPerMinute: 1000, promptsInFlight: 1000 });
    const results = await Promise.all(Array.from({ length: 4 * N }, (_, i) => client.sendPrompt(`prompt ${i}`).then((r) => r, (e: unknown) => e)));
    const admitted = results.filter((r): r is { balance: number; queries: number } => !(r instanceof Error));
    const rejected = results.filter((r): r is TollgateError => r instanceof TollgateError);
    expect(admitted).toHaveLength(N);
    expect(rejected).toHaveLength(3 * N);
    expect(admitted.map((r) => r.balance).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(admitted.map((r) => r.queries).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const e of rejected) {
      expect(e.errorType).toBe('QuotaExceeded');
      expect(e.errorInfo).toMatchObject({ kind: 'requests', limit: N, used: N });
    }
    expect(await usageItem(userId)).toMatchObject({ queries: N });
    expect(await client.myUsage()).toMatchObject({ queries: N, limit: N, balance: 0 });
    expect(await prompts(client)).toHaveLength(N);
    // One structured event line per refusal, for the CloudWatch metric filters.
    expect(api.logs.filter((l) => l.includes('{"tollgateEvent":"QuotaExceeded","kind":"requests"}')).length).toBeGreaterThanOrEqual(3 * N);
  });

  it('resets at the next UTC midnight', async () => {
    const { client } = await userWith({ dailyPromptLimit: 2, promptsPerMinute: 1000 });
    const midnight = Date.parse(`${today()}T00:00:00Z`) + 86_400_000;
    api.clock.set(midnight - 10_000);
    await client.sendPrompt('one');
    await client.sendPrompt('two');
    const refused = await client.sendPrompt('three').catch((e: unknown) => e);
    expect(refused).toMatchObject({ errorType: 'QuotaExceeded', errorInfo: { kind: 'requests', resetsAt: new Date(midnight).toISOString() } });
    api.clock.set(midnight + 10_000);
    await expect(client.sendPrompt('next day')).resolves.toMatchObject({ queries: 1, balance: 1 });
    expect(await client.myUsage()).toMatchObject({ day: new Date(midnight).toISOString().slice(0, 10), queries: 1 });
  });
});

describe('the per-minute limit', () => {
  it('admits exactly the minute’s allowance, says when to retry, and opens again next minute', async () => {
    const { client } = await userWith({ dailyPromptLimit: 100, promptsPerMinute: 3 });
    const minute = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    api.clock.set(minute + 15_000);
    const started = performance.now();
    const burst = await Promise.all(Array.from({ length: 9 }, (_, i) => client.sendPrompt(`burst ${i}`).then(() => null, (e: unknown) => e as TollgateError)));
    // The emulator's clock runs on from where it was set: 45 s are left in the minute at the start,
    // fewer if the burst took seconds on a loaded machine.
    const elapsed = Math.ceil((performance.now() - started) / 1000);
    const limited = burst.filter((e): e is TollgateError => e !== null);
    expect(burst.length - limited.length).toBe(3);
    expect(tally(limited.map((e) => e.errorType))).toEqual({ RateLimited: 6 });
    for (const e of limited) {
      const wait = (e.errorInfo as { retryAfterSeconds: number }).retryAfterSeconds;
      expect(e.errorInfo).toEqual({ retryAfterSeconds: wait });
      expect(wait).toBeLessThanOrEqual(45);
      expect(wait).toBeGreaterThanOrEqual(45 - elapsed);
    }
    api.clock.set(minute + 61_000);
    const next = await Promise.all(Array.from({ length: 4 }, (_, i) => errorTypeOf(client.sendPrompt(`next ${i}`))));
    expect(tally(next)).toEqual({ ok: 3, RateLimited: 1 });
  });
});

describe('the daily token budget', () => {
  it('is never exceeded under concurrency, since maxTokens is reserved up front and settled after', async () => {
    const budget = 3000;
    const { client, userId } = await userWith({ dailyPromptLimit: 100, promptsPerMinute: 1000, promptsInFlight: 1000, dailyTokenLimit: budget });
    // The dev model answers 1.5 s late, so all ten are in flight together.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => errorTypeOf(client.sendPrompt(`tokens ${i} [[slow:1500]]`, { maxTokens: 1000 }))));
    // Each holds 1000 + its UTF-8 bytes + the template allowance until settled: two fit at once, a
    // third would not. On a loaded machine a refused prompt's explanation may be read after the two
    // settled (RateLimited: room again), or a late one may even be admitted then; the budget holds
    // either way, which is what is checked below.
    const counts = tally(results);
    expect(counts.ok ?? 0).toBeGreaterThanOrEqual(2);
    expect(Object.keys(counts).filter((k) => k !== 'ok' && k !== 'QuotaExceeded' && k !== 'RateLimited')).toEqual([]);
    expect(counts.QuotaExceeded ?? 0).toBeGreaterThanOrEqual(1);
    const item = await usageItem(userId);
    const usage = await client.myUsage();
    expect(item.tokens).toBe(usage.inputTokens + usage.outputTokens);
    expect(item.tokens).toBeLessThanOrEqual(budget);
    // Settled to real usage, there is room again.
    await expect(client.sendPrompt('after settle', { maxTokens: 1000 })).resolves.toBeTruthy();
  });

  it('refuses a prompt whose reservation alone is over the budget with ValidationError: it could never fit', async () => {
    const { client } = await userWith({ dailyTokenLimit: 1000 });
    const refused = await client.sendPrompt('too big', { maxTokens: 1000 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ errorType: 'ValidationError', errorInfo: { field: 'prompt', reason: 'neverFits' } });
    // 700 + 4 bytes + the 256-token template allowance = 960.
    await expect(client.sendPrompt('fits', { maxTokens: 700 })).resolves.toBeTruthy();
  });
});

describe('model failures', () => {
  const permanent = ['denied', 'use-case', 'eol', 'on-demand'];
  for (const fault of ['throttle', 'error', 'unavailable', ...permanent]) {
    it(`that Bedrock did not run refund the prompt and its tokens, and log the failure (${fault})`, async () => {
      const { client, userId } = await userWith({ promptsPerMinute: 1000 });
      await client.sendPrompt('fine');
      const before = await usageItem(userId);
      const failed = await client.sendPrompt(`fail [[fault:${fault}]]`).catch((e: unknown) => e);
      expect(failed).toMatchObject({ errorType: 'ModelError', errorInfo: { retryable: !permanent.includes(fault) } });
      expect((failed as Error).message).toContain('not charged');
      const after = await usageItem(userId);
      expect(after.queries).toBe(before.queries);
      expect(after.tokens).toBe(before.tokens);
      const [logged] = await prompts(client);
      expect(logged).toMatchObject({ status: 'FAILED', usage: null });
    });
  }

  it('that reached the model and timed out are charged their slot and reserved tokens, and logged as TIMED_OUT', async () => {
    const { client, userId } = await userWith({ promptsPerMinute: 1000 });
    const prompt = 'slow [[fault:timeout:50]]';
    const failed = await client.sendPrompt(prompt, { maxTokens: 100 }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ errorType: 'ModelError', errorInfo: { retryable: true } });
    expect((failed as Error).message).toContain('charged');
    const reserve = 100 + Buffer.byteLength(prompt) + 256;
    expect(await usageItem(userId)).toMatchObject({ queries: 1, tokens: reserve, inputTokens: reserve - 100, outputTokens: 100 });
    expect(await client.myUsage()).toMatchObject({ queries: 1, balance: 49 });
    const [logged] = await prompts(client);
    expect(logged).toMatchObject({ status: 'TIMED_OUT', response: null, usage: { inputTokens: reserve - 100, outputTokens: 100 } });
    expect(api.logs.some((l) => l.includes('"tollgateEvent":"ModelError"') && l.includes('"charged":true') && l.includes('"timedOut":true'))).toBe(true);
  });
});

describe('model failures an operator must fix', () => {
  it('each say what happened and what to do', async () => {
    const { client } = await userWith({ promptsPerMinute: 1000 });
    const message = async (fault: string) => ((await client.sendPrompt(`x [[fault:${fault}]]`).catch((e: unknown) => e)) as Error).message;
    expect(await message('eol')).toMatch(/^The model us\.amazon\.nova-2-lite-v1:0 has reached its end of life on Bedrock/);
    expect(await message('on-demand')).toMatch(/can only be called through an inference profile/);
    expect(await message('denied')).toMatch(/enable it in the Bedrock console \(Model access\)/);
    expect(await message('use-case')).toMatch(/Anthropic’s one-time use case form/);
  });
});

describe('a guardrail intervention', () => {
  it('is a result with status BLOCKED, charged the tokens Bedrock reports, and logged BLOCKED', async () => {
    const { client, userId } = await userWith({ promptsPerMinute: 1000 });
    const blocked = await client.sendPrompt('something a guardrail stops [[fault:guardrail]]');
    expect(blocked).toMatchObject({ status: 'BLOCKED', response: 'Sorry, the model cannot answer this question.', queries: 1, usage: { outputTokens: 0 } });
    expect(blocked.usage.inputTokens).toBeGreaterThan(0);
    const usage = await usageItem(userId);
    expect(usage).toMatchObject({ queries: 1, inputTokens: blocked.usage.inputTokens, outputTokens: 0, tokens: blocked.usage.inputTokens });
    expect((await prompts(client)).map((p) => p.status)).toEqual(['BLOCKED']);
    expect(api.logs.join('\n')).toMatch(/"tollgateEvent":"GuardrailBlocked"/);
    expect(await client.sendPrompt('an ordinary prompt')).toMatchObject({ status: 'COMPLETED' });
  });

  it('is replayed as BLOCKED for a retry with the same idempotency key, and charged once', async () => {
    const { client, userId } = await userWith({ promptsPerMinute: 1000 });
    const first = await client.sendPrompt('blocked once [[fault:guardrail]]', undefined, 'g-1');
    expect(await client.sendPrompt('blocked once [[fault:guardrail]]', undefined, 'g-1')).toEqual(first);
    expect((await usageItem(userId)).queries).toBe(1);
  });
});

describe('idempotent retries', () => {
  it('return the first answer and charge once, sequentially and concurrently', async () => {
    const { client, userId } = await userWith({ promptsPerMinute: 1000 });
    const first = await client.sendPrompt('charge me once', undefined, 'key-1');
    const again = await client.sendPrompt('charge me once', undefined, 'key-1');
    expect(again).toEqual(first);
    // Concurrent duplicates never wait on the model: each gets the answer or "retry" at once.
    const burst = await Promise.all(Array.from({ length: 8 }, () => client.sendPrompt('concurrent [[slow:500]]', undefined, 'key-2').then((r) => r, (e: unknown) => e)));
    const answers = burst.filter((r): r is { id: string } => !(r instanceof Error));
    const retries = burst.filter((r): r is TollgateError => r instanceof TollgateError);
    expect(answers.length).toBeGreaterThanOrEqual(1);
    // "Retry in 2 s" for a duplicate of a prompt in flight; "retry in 1 s" when a duplicate's
    // readmit raced another write to the usage item (a loaded machine makes that likelier).
    for (const e of retries) {
      expect(e.errorType).toBe('RateLimited');
      expect([1, 2]).toContain((e.errorInfo as { retryAfterSeconds: number }).retryAfterSeconds);
    }
    const settled = await client.sendPrompt('concurrent [[slow:500]]', undefined, 'key-2');
    expect(new Set([...answers.map((r) => r.id), settled.id]).size).toBe(1);
    expect((await usageItem(userId)).queries).toBe(2);
    expect(await prompts(client)).toHaveLength(2);
  });

  it('run again after the first attempt failed and was refunded', async () => {
    const { client, userId } = await userWith({ promptsPerMinute: 1000 });
    await expect(client.sendPrompt('flaky [[fault:throttle]]', undefined, 'key-3')).rejects.toMatchObject({ errorType: 'ModelError' });
    await expect(client.sendPrompt('flaky, fixed', undefined, 'key-3')).resolves.toMatchObject({ queries: 1 });
    expect((await usageItem(userId)).queries).toBe(1);
  });

  it('are scoped to the user', async () => {
    const a = await userWith({});
    const b = await userWith({});
    const fromA = await a.client.sendPrompt('mine', undefined, 'shared-key');
    const fromB = await b.client.sendPrompt('mine too', undefined, 'shared-key');
    expect(fromB.id).not.toBe(fromA.id);
  });
});

describe('validation', () => {
  it('charges nothing for a refused prompt', async () => {
    const { client, userId } = await userWith({});
    const tooLong = 'x'.repeat(4001);
    expect(await errorTypeOf(client.sendPrompt(tooLong))).toBe('ValidationError');
    expect(await errorTypeOf(client.sendPrompt('hi', { maxTokens: 0 }))).toBe('ValidationError');
    expect(await errorTypeOf(client.sendPrompt('hi', { maxTokens: 1025 }))).toBe('ValidationError');
    expect(await errorTypeOf(client.sendPrompt('hi', { temperature: 1.5 }))).toBe('ValidationError');
    expect(await errorTypeOf(client.sendPrompt('hi', undefined, 'k'.repeat(129)))).toBe('ValidationError');
    expect(await usageItem(userId)).toEqual({});
  });
});

describe('hostile text', () => {
  it('is stored and returned intact', async () => {
    const { client } = await userWith({ promptsPerMinute: 1000 });
    const text = `quote " ' \` backslash \\ tab \t <script>alert(1)</script> rtl \u202E evil \u202C emoji 🧨👩‍💻 zwj {"json": true} $(rm -rf /) '; DROP TABLE users; --`;
    const answer = await client.sendPrompt(text);
    expect(answer.prompt).toBe(text);
    const [logged] = await prompts(client);
    expect(logged?.prompt).toBe(text);
    // Prompts live in the prompt log only, never in log lines.
    expect(api.logs.join('\n')).not.toContain('DROP TABLE');
  });
});

describe('prompt log', () => {
  it('pages newest first with nextToken and deletes only one’s own prompts', async () => {
    const owner = await userWith({ promptsPerMinute: 1000 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await owner.client.sendPrompt(`log ${i}`)).id);
    const first = await owner.client.myPrompts(2);
    const second = await owner.client.myPrompts(2, first.nextToken!);
    const third = await owner.client.myPrompts(2, second.nextToken!);
    expect([...first.items, ...second.items, ...third.items].map((p) => p.id)).toEqual([...ids].reverse());
    expect(third.nextToken).toBeNull();
    const other = await userWith({});
    await expect(other.client.deletePrompt(ids[0]!)).rejects.toMatchObject({ errorType: 'NotFound' });
    await expect(owner.client.deletePrompt(ids[0]!)).resolves.toBe(true);
    await expect(owner.client.deletePrompt(ids[0]!)).rejects.toMatchObject({ errorType: 'NotFound' });
    expect((await owner.client.myPrompts(10)).items).toHaveLength(4);
  });
});
