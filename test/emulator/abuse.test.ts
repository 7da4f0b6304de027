// The front door under attack, through the real pipeline: batched registrations and logins,
// forged X-Forwarded-For, duplicates that must not wait on the model, leases left by crashed
// requests, revoked tokens, hostile text and models that report more tokens than reserved.
// Clients act as different machines by connecting from different loopback addresses.
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../client/index.ts';
import { documentClientOf, loggedIn as newUser, outcome, PASSWORD, startTestEmulator, tally, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';
import { fetchFrom } from '../helpers/loopback.ts';

let api: TestEmulator;
let db: DynamoDBDocumentClient;

interface GraphQLBody {
  data: Record<string, unknown> | null;
  errors?: { path: string[] | null; errorType: string; errorInfo: Record<string, unknown> | null; message: string }[];
}

async function postFrom(address: string, query: string, headers: Record<string, string> = {}): Promise<GraphQLBody> {
  const res = await fetchFrom(address)(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': api.apiKey, ...headers },
    body: JSON.stringify({ query }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as GraphQLBody;
}

const aliased = (count: number, field: (i: number) => string) => `mutation { ${Array.from({ length: count }, (_, i) => `a${i}: ${field(i)}`).join(' ')} }`;
const typesOf = (body: GraphQLBody) => (body.errors ?? []).map((e) => e.errorType);
const today = () => new Date(api.clock.now()).toISOString().slice(0, 10);

beforeAll(async () => {
  // The tests own the clock and run the reconciler themselves: a scheduled run set off by a clock
  // jump would race theirs (seen under load: one ghost lease settled by each).
  api = await startTestEmulator({ schedules: false });
  db = documentClientOf(api);
});

afterEach(() => api.clock.reset());

afterAll(async () => {
  db?.destroy();
  await api?.stop();
});

const loggedIn = (label: string) => newUser(api, label);

async function usageItem(userId: string) {
  return (await db.send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day: today() }, ConsistentRead: true }))).Item ?? {};
}

const modelCalls = () => api.logs.filter((l) => l.includes('"msg":"converse"')).length;

const stored = async (emails: string[]) => {
  let found = 0;
  for (const email of emails) if ((await db.send(new GetCommand({ TableName: api.tableName('UsersTable'), Key: { email } }))).Item) found += 1;
  return found;
};

describe('registrations', () => {
  it('from one request of 10 aliased register mutations create at most the per-IP limit of 5', async () => {
    const emails = Array.from({ length: 10 }, () => uniqueEmail('bulk'));
    const body = await postFrom('127.0.10.1', aliased(10, (i) => `register(email: "${emails[i]}", password: "${PASSWORD}") { id }`));
    // Mutations run one after another; the first refusal (a non-null field) ends the request.
    expect(typesOf(body)).toEqual(['RateLimited']);
    expect(body.errors![0]!.errorInfo?.retryAfterSeconds).toBeGreaterThan(3500);
    expect(await stored(emails)).toBe(5);
    // Another machine still registers.
    await expect(api.clientFrom('127.0.10.2').register(uniqueEmail('other'), PASSWORD)).resolves.toBeTruthy();
  });

  it('take the address the request came from, whatever X-Forwarded-For the client puts in front of it', async () => {
    const spent = '127.0.10.3';
    for (let i = 0; i < 5; i += 1) await api.clientFrom(spent).register(uniqueEmail('spent'), PASSWORD);
    for (const forged of ['198.51.100.7', '127.0.10.4', '198.51.100.7, 127.0.10.4', '127.0.10.4, 127.0.0.1']) {
      const body = await postFrom(spent, `mutation { register(email: "${uniqueEmail('forged')}", password: "${PASSWORD}") { id } }`, { 'x-forwarded-for': forged });
      expect(typesOf(body), forged).toEqual(['RateLimited']);
    }
    // The address the forgeries named kept its own allowance.
    const fresh = await Promise.all(Array.from({ length: 5 }, () => outcome(api.clientFrom('127.0.10.4').register(uniqueEmail('fresh'), PASSWORD))));
    expect(tally(fresh)).toEqual({ ok: 5 });
  });
});

describe('logins', () => {
  it('from one address buy at most the per-minute limit of bcrypt work, however they are batched', async () => {
    const email = uniqueEmail('batched');
    await api.client().register(email, PASSWORD);
    const compares = () => api.logs.filter((l) => l.includes('"msg":"logged in"') || l.includes('"msg":"login failed"')).length;
    const before = compares();
    // 7 requests of 10 aliased logins (10 is the resolver-count limit), all at once: 70 attempts.
    const bodies = await Promise.all(Array.from({ length: 7 }, () => postFrom('127.0.10.5', aliased(10, () => `login(email: "${email}", password: "${PASSWORD}") { token }`))));
    // The auth function's log lines travel from its worker thread: give them a moment to arrive.
    await expect.poll(() => compares() - before, { timeout: 10_000 }).toBe(60);
    expect(new Set(bodies.flatMap(typesOf))).toEqual(new Set(['RateLimited']));
    const refused = bodies.flatMap((b) => b.errors ?? [])[0]!;
    expect(refused.errorInfo?.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.errorInfo?.retryAfterSeconds).toBeLessThanOrEqual(60);
  });
});

describe('reads', () => {
  it('are bounded per request: at most 10 resolvers of at most 100 items each', async () => {
    const { client, token } = await loggedIn('reads');
    for (let i = 0; i < 3; i += 1) await client.sendPrompt(`read me ${i}`);
    const read = async (aliases: number) => {
      const query = `{ ${Array.from({ length: aliases }, (_, i) => `p${i}: myPrompts(limit: 100) { items { id } }`).join(' ')} }`;
      const res = await fetchFrom('127.0.10.7')(api.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
      return (await res.json()) as { data: Record<string, { items: unknown[] }> | null; errors?: { errorType: string }[] };
    };
    const ten = await read(10);
    expect(ten.errors).toBeUndefined();
    expect(Object.values(ten.data!).reduce((n, p) => n + p.items.length, 0)).toBe(30);
    const eleven = await read(11);
    expect(eleven.errors?.map((e) => e.errorType)).toEqual(['ResolverExecutionLimitReached']);
    await expect(client.myPrompts(101)).rejects.toMatchObject({ errorType: 'ValidationError', errorInfo: { field: 'limit', reason: 'outOfRange' } });
  });
});

describe('duplicates', () => {
  it('of a deleted prompt run afresh and are charged, and ten at once make one model call without waiting', async () => {
    const { client, userId } = await loggedIn('dup');
    const first = await client.sendPrompt('answer me once [[slow:300]]', undefined, 'the-key');
    await client.deletePrompt(first.id);
    const calls = modelCalls();
    const burst = await Promise.all(Array.from({ length: 10 }, () => client.sendPrompt('answer me once [[slow:300]]', undefined, 'the-key').then((r) => r, (e: unknown) => e)));
    const answers = burst.filter((r): r is { id: string } => !(r instanceof Error));
    const refused = burst.filter((r): r is TollgateError<'RateLimited'> => r instanceof TollgateError);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.id).not.toBe(first.id);
    for (const e of refused) {
      expect(e.errorType).toBe('RateLimited');
      expect(e.errorInfo?.retryAfterSeconds).toBeLessThanOrEqual(2);
    }
    expect(modelCalls() - calls).toBe(1);
    expect(await usageItem(userId)).toMatchObject({ queries: 2 });
    // The key now names the new answer.
    await expect(client.sendPrompt('answer me once [[slow:300]]', undefined, 'the-key')).resolves.toMatchObject({ id: answers[0]!.id });
  });

  it('are limited to 3 prompts in flight per user, while other users are not held up', async () => {
    const busy = await loggedIn('busy');
    const other = await loggedIn('other');
    let settled = false;
    const burst = Promise.all(Array.from({ length: 6 }, (_, i) => outcome(busy.client.sendPrompt(`hold ${i} [[slow:3000]]`)))).finally(() => {
      settled = true;
    });
    // However the six are scheduled, the usage item never holds more than three leases.
    let most = 0;
    while (!settled) {
      most = Math.max(most, ((await usageItem(busy.userId)).leases as Set<string> | undefined)?.size ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    await expect(other.client.sendPrompt('meanwhile')).resolves.toBeTruthy();
    const results = tally(await burst);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
    expect(results.RateLimited).toBeGreaterThanOrEqual(1);
    expect(api.logs.some((l) => l.includes('{"tollgateEvent":"RateLimited","window":"inFlight"}'))).toBe(true);
    expect((await usageItem(busy.userId)).leases).toBeUndefined();
  });

  it('are refused past 3 live leases and admitted below, whatever took the slots', async () => {
    const { client, userId } = await loggedIn('slots');
    const live = (n: number) => Array.from({ length: n }, (_, i) => `${api.clock.now() + 20_000}:01J0000000000000000000000${i}`);
    const hold = (leases: string[]) =>
      db.send(new UpdateCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day: today() }, UpdateExpression: 'SET leases = :l', ExpressionAttributeValues: { ':l': new Set(leases) } }));
    await hold(live(3));
    await expect(client.sendPrompt('a fourth')).rejects.toMatchObject({ errorType: 'RateLimited', errorInfo: { retryAfterSeconds: 1 } });
    const two = live(2);
    await hold(two);
    await expect(client.sendPrompt('a third')).resolves.toBeTruthy();
    // Its own lease came and went; the two others are untouched.
    expect([...((await usageItem(userId)).leases as Set<string>)].sort()).toEqual([...two].sort());
  });

  it('never stay blocked by leases of requests that crashed before settling, which the reconciler then settles', async () => {
    const { client, userId } = await loggedIn('crash');
    const noon = Date.parse(`${today()}T12:00:00Z`);
    api.clock.set(noon);
    // Three requests took a slot and died without settling (as if AppSync had crashed): charged
    // 1000 tokens each at admission, with no log record.
    const ids = ['01J00000000000000000000001', '01J00000000000000000000002', '01J00000000000000000000003'];
    const ghosts = ids.map((id) => `${noon + 30_000}:${id}:1000:500:us.amazon.nova-2-lite-v1:0`);
    await db.send(
      new UpdateCommand({
        TableName: api.tableName('UsageTable'),
        Key: { userId, day: today() },
        UpdateExpression: 'SET leases = :ghosts, queries = :three, tokens = :tokens, inputTokens = :zero, outputTokens = :zero, m1200 = :three, leaseShard = :shard, leaseDue = :due',
        ExpressionAttributeValues: { ':ghosts': new Set(ghosts), ':three': 3, ':tokens': 3000, ':zero': 0, ':shard': userId.slice(-1), ':due': noon + 30_000 },
      }),
    );
    await expect(client.sendPrompt('blocked for now')).rejects.toMatchObject({ errorType: 'RateLimited' });
    // Their leases end with AppSync's 30 s request limit: they no longer hold a slot.
    api.clock.set(noon + 31_000);
    const through = await client.sendPrompt('let through');
    expect(through).toMatchObject({ queries: 4 });
    // The ghosts wait for the reconciler, which takes them once their grace has passed too.
    expect([...((await usageItem(userId)).leases as Set<string>)].sort()).toEqual(ghosts.sort());
    api.clock.set(noon + 61_000);
    const [report] = await api.schedules.run('ReconcileSchedule');
    expect(report).toMatchObject({ timedOut: 3, failed: 0 });
    const usage = await usageItem(userId);
    expect(usage.leases).toBeUndefined();
    expect(usage.leaseDue).toBeUndefined();
    // Charged by the timeout rule: each keeps its 1000 tokens, as 500 input + 500 output.
    const answered = through.usage.inputTokens + through.usage.outputTokens;
    expect(usage).toMatchObject({ queries: 4, tokens: 3000 + answered, inputTokens: 1500 + through.usage.inputTokens, outputTokens: 1500 + through.usage.outputTokens });
    const page = await client.myPrompts(10);
    expect(page.items.filter((p) => p.status === 'TIMED_OUT').map((p) => p.id).sort()).toEqual(ids);
  });
});

describe('a revoked token', () => {
  it('admits no prompt at once, while reads go on until the authorizer cache expires', async () => {
    const { client, userId } = await loggedIn('revoked');
    await client.sendPrompt('before');
    await client.logoutEverywhere();
    await expect(client.sendPrompt('after')).rejects.toMatchObject({ errorType: 'Unauthorized', message: 'Not Authorized to access sendPrompt on type Mutation' });
    expect(await usageItem(userId)).toMatchObject({ queries: 1 });
    await expect(client.myUsage()).resolves.toMatchObject({ queries: 1 });
  });
});

describe('hostile text', () => {
  it('prompts of NUL, zero-width characters, fillers or a lone surrogate are refused and not charged', async () => {
    const { client, userId } = await loggedIn('hygiene');
    const cases: [string, string][] = [
      ['\u0000\u0000\u0000', 'controlCharacters'],
      ['hello\u0007', 'controlCharacters'],
      ['\u200b\u200c\u200d\ufeff', 'empty'],
      ['\u3164\u2800 \n\t', 'empty'],
      ['\ud800', 'invalidUnicode'],
      ['fine text \udc00', 'invalidUnicode'],
    ];
    for (const [prompt, reason] of cases) {
      await expect(client.sendPrompt(prompt), JSON.stringify(prompt)).rejects.toMatchObject({ errorType: 'ValidationError', errorInfo: { field: 'prompt', reason } });
    }
    expect(await usageItem(userId)).toEqual({});
  });

  it('a 4,000-character CJK prompt (12 KB of UTF-8) is accepted and counted in characters', async () => {
    const { client } = await loggedIn('cjk');
    const prompt = '漢字'.repeat(2000);
    await expect(client.sendPrompt(prompt)).resolves.toMatchObject({ prompt });
    await expect(client.sendPrompt(prompt + '字')).rejects.toMatchObject({ errorType: 'ValidationError', errorInfo: { reason: 'tooLong' } });
  });

  it('emails with NUL or a zero-width space are refused, and a full-width address is the same account', async () => {
    await expect(api.client().register('al\u200bice@example.com', PASSWORD)).rejects.toMatchObject({ errorInfo: { field: 'email', reason: 'invalidCharacters' } });
    await expect(api.client().register('al\u0000ice@example.com', PASSWORD)).rejects.toMatchObject({ errorInfo: { field: 'email', reason: 'invalidCharacters' } });
    const email = uniqueEmail('wide');
    await api.client().register(email, PASSWORD);
    const wide = [...email].map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');
    await expect(api.client().register(wide, PASSWORD)).rejects.toMatchObject({ errorType: 'EmailTaken' });
    await expect(api.client().login(wide, PASSWORD)).resolves.toMatchObject({ email });
  });
});

describe('the token reservation', () => {
  it('logs a TokenOverrun event when a model reports more tokens than were reserved', async () => {
    const { client } = await loggedIn('overrun');
    const answer = await client.sendPrompt('count me [[usage:5000:10]]', { maxTokens: 50 });
    expect(answer.usage).toEqual({ inputTokens: 5000, outputTokens: 10 });
    const reserve = 50 + Buffer.byteLength('count me [[usage:5000:10]]') + 256;
    const line = api.logs.find((l) => l.includes('"tollgateEvent":"TokenOverrun"'));
    expect(line).toContain(`"overrun":${5010 - reserve}`);
    expect(await client.myUsage()).toMatchObject({ inputTokens: 5000, outputTokens: 10 });
  });
});
