// Conversations through the real sendPrompt pipeline, on a stack synthesized with a system prompt
// and a small context budget: the context the dev model receives (it names what it remembers),
// trimming at the budget's exact edge, the daily token budget under concurrency with long
// contexts, ordering, idempotent retries, deletion and its purge, paging, and ownership of every
// new operation.
import { join } from 'node:path';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TollgateClient } from '../../client/index.ts';
import { ROOT, synthIfChanged } from '../../emulator/synth.ts';
import { MESSAGE_ALLOWANCE_TOKENS } from '../../resolvers/lib/context.ts';
import { streamSettledMs } from '../../resolvers/lib/settlement.ts';
import { TEMPLATE_ALLOWANCE_TOKENS } from '../../resolvers/lib/budget.ts';
import { checkBooks, quiesce } from '../helpers/books.ts';
import { documentClientOf, freshUser, outcome, startTestEmulator, tally, type TestEmulator } from '../helpers/emulator.ts';
import { testSynthEnv } from '../helpers/global-setup.ts';

const SYSTEM_PROMPT = 'You are the Tollgate test assistant. Answer briefly.';
const BUDGET = 3000;
const SETTINGS = { TOLLGATE_SYSTEM_PROMPT: SYSTEM_PROMPT, TOLLGATE_CONTEXT_BUDGET_TOKENS: String(BUDGET) };
const CDK_OUT = join(ROOT, '.tollgate', 'test-cdk-conversations.out');

let api: TestEmulator;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  await synthIfChanged(CDK_OUT, () => undefined, { ...testSynthEnv(), ...SETTINGS });
  api = await startTestEmulator({ cdkOut: CDK_OUT, schedules: false });
  db = documentClientOf(api);
});
afterEach(() => api.clock.reset());
afterAll(async () => {
  db?.destroy();
  await api?.stop();
});

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const day = () => new Date(api.clock.now()).toISOString().slice(0, 10);
const SYSTEM_BOUND = bytes(SYSTEM_PROMPT) + MESSAGE_ALLOWANCE_TOKENS;
/** What resolvers/lib/context.ts bounds a prompt's input by, and an earlier turn by. */
const baseBound = (prompt: string) => bytes(prompt) + TEMPLATE_ALLOWANCE_TOKENS + SYSTEM_BOUND;
const turnBound = (turn: { prompt: string; response: string }) => bytes(turn.prompt) + bytes(turn.response) + 2 * MESSAGE_ALLOWANCE_TOKENS;

async function setLimits(email: string, limits: Record<string, number>) {
  const sets = Object.keys(limits).map((k) => `${k} = :${k}`);
  await db.send(
    new UpdateCommand({
      TableName: api.tableName('UsersTable'),
      Key: { email },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeValues: Object.fromEntries(Object.entries(limits).map(([k, v]) => [`:${k}`, v])),
    }),
  );
}

/** A user whose per-minute and in-flight limits stay out of the way. */
async function chatter(label: string, limits: Record<string, number> = {}) {
  const user = await freshUser(api, label);
  await setLimits(user.email, { promptsPerMinute: 1000, promptsInFlight: 1000, ...limits });
  // Limits reach the authorizer's resolverContext at the next login.
  await user.client.login(user.email, user.password);
  return user;
}

async function converse(client: TollgateClient, prompts: string[], conversationId?: string) {
  const answers = [];
  let id = conversationId;
  for (const prompt of prompts) {
    const answer = await client.sendPrompt(prompt, undefined, undefined, id);
    id = answer.conversationId;
    answers.push(answer);
  }
  return { id: id!, answers };
}

describe('a conversation', () => {
  it('sends the model its earlier turns and the system prompt, and counts and orders its turns', async () => {
    const { client, id: userId } = await chatter('context');
    const first = await client.sendPrompt('Tell me about alpacas.');
    expect(first.contextTurns).toBe(0);
    expect(first.response).toContain('(Following a system prompt of');
    expect(first.response).not.toContain('I remember');
    const second = await client.sendPrompt('And llamas?', undefined, undefined, first.conversationId);
    expect(second).toMatchObject({ conversationId: first.conversationId, contextTurns: 1 });
    expect(second.response).toContain('I remember 1 earlier turn: you first said "Tell me about alpacas."');
    const third = await client.sendPrompt('Now shorter, please.', undefined, undefined, first.conversationId);
    expect(third.contextTurns).toBe(2);
    expect(third.response).toContain('I remember 2 earlier turns: you first said "Tell me about alpacas." and last said "And llamas?"');

    const conversation = await client.conversation(first.conversationId);
    expect(conversation).toMatchObject({ id: first.conversationId, title: 'Tell me about alpacas.', turns: 3, lastActiveAt: third.createdAt, createdAt: first.createdAt });
    const turns = await client.conversationTurns(first.conversationId);
    expect(turns.items.map((t) => [t.seq, t.prompt, t.id])).toEqual([
      [3, 'Now shorter, please.', third.id],
      [2, 'And llamas?', second.id],
      [1, 'Tell me about alpacas.', first.id],
    ]);
    // Retention: the header expires with its newest turn, whose log record has the prompts' TTL.
    const header = (await db.send(new GetCommand({ TableName: api.tableName('ConversationsTable'), Key: { userId, id: first.conversationId }, ConsistentRead: true }))).Item!;
    const newest = (await db.send(new GetCommand({ TableName: api.tableName('PromptsTable'), Key: { userId, id: third.id }, ConsistentRead: true }))).Item!;
    expect(newest.expiresAt).toBe(Math.floor(Date.parse(third.createdAt) / 1000) + 30 * 86400);
    expect(header.expiresAt).toBe(newest.expiresAt);
    // The turns are the prompt log: myPrompts shows them, with their conversation.
    const logged = (await client.myPrompts(10)).items;
    expect(logged.map((p) => [p.id, p.conversationId, p.seq])).toEqual([
      [third.id, first.conversationId, 3],
      [second.id, first.conversationId, 2],
      [first.id, first.conversationId, 1],
    ]);
  });

  it('starts a new conversation for every prompt that names none, titled from its first line', async () => {
    const { client } = await chatter('fresh');
    const a = await client.sendPrompt('  Plan   a trip\nto Lisbon in May');
    const b = await client.sendPrompt('Plan a trip to Lisbon in May');
    expect(a.conversationId).not.toBe(b.conversationId);
    expect(b.contextTurns).toBe(0);
    expect((await client.conversation(a.conversationId)).title).toBe('Plan a trip');
    const long = await client.sendPrompt('x'.repeat(100));
    expect((await client.conversation(long.conversationId)).title).toBe('x'.repeat(80) + '…');
    // Plain text: Markdown's marks would show literally in a list.
    const marked = await client.sendPrompt('## What does a **toll gate** do with `snake_case` and 2*3?');
    expect((await client.conversation(marked.conversationId)).title).toBe('What does a toll gate do with snake_case and 2*3?');
  });

  it('answers two prompts sent at once, each with the context as it stood, ordered by seq', async () => {
    const { client } = await chatter('together');
    const { id } = await converse(client, ['one', 'two']);
    const both = await Promise.all(['three [[slow:300]]', 'four [[slow:300]]'].map((p) => client.sendPrompt(p, undefined, undefined, id)));
    expect(both.map((a) => a.contextTurns)).toEqual([2, 2]);
    const turns = (await client.conversationTurns(id)).items;
    expect(turns.map((t) => t.seq)).toEqual([4, 3, 2, 1]);
    expect(new Set(turns.slice(0, 2).map((t) => t.id))).toEqual(new Set(both.map((a) => a.id)));
    const next = await client.sendPrompt('five', undefined, undefined, id);
    expect(next.contextTurns).toBe(4);
    expect((await client.conversation(id)).turns).toBe(5);
  });

  it('leaves failed turns out of the context but in the conversation', async () => {
    const { client } = await chatter('failed');
    const { id } = await converse(client, ['works']);
    await expect(client.sendPrompt('breaks [[fault:throttle]]', undefined, undefined, id)).rejects.toMatchObject({ errorType: 'ModelError' });
    const after = await client.sendPrompt('works again', undefined, undefined, id);
    expect(after.contextTurns).toBe(1);
    expect((await client.conversationTurns(id)).items.map((t) => [t.seq, t.status])).toEqual([
      [3, 'COMPLETED'],
      [2, 'FAILED'],
      [1, 'COMPLETED'],
    ]);
  });
});

describe('the context budget', () => {
  it('keeps the newest turns that fit exactly, dropping the oldest first, and reserves what it sends', async () => {
    const { client, id: userId } = await chatter('trim');
    const { id, answers } = await converse(client, ['a'.repeat(500), 'b'.repeat(500), 'c'.repeat(500)]);
    const [, t2, t3] = answers.map((a) => ({ prompt: a.prompt, response: a.response }));
    // A prompt whose bound, with the last two turns, is exactly the budget: both are sent.
    const exact = 'd'.repeat(BUDGET - TEMPLATE_ALLOWANCE_TOKENS - SYSTEM_BOUND - turnBound(t2!) - turnBound(t3!));
    const before = (await db.send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day: day() }, ConsistentRead: true }))).Item!;
    const fits = await client.sendPrompt(exact, { maxTokens: 400 }, undefined, id);
    expect(fits.contextTurns).toBe(2);
    expect(fits.response).toContain(`you first said "${'b'.repeat(60)}…"`);
    // One byte more and the older of the two goes.
    const over = await client.sendPrompt(exact + 'd', { maxTokens: 400 }, undefined, id);
    expect(over.contextTurns).toBe(1);
    expect(over.response).toContain(`you first said "${'d'.repeat(60)}…"`);
    // The dev model reports about a quarter of the bytes it was sent: within what was reserved.
    expect(fits.usage.inputTokens).toBeLessThanOrEqual(BUDGET);
    const after = (await db.send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day: day() }, ConsistentRead: true }))).Item!;
    expect(after.tokens).toBe(before.tokens + fits.usage.inputTokens + fits.usage.outputTokens + over.usage.inputTokens + over.usage.outputTokens);
  });

  it('refuses with ValidationError a prompt that could never fit, and with QuotaExceeded one that fits tomorrow', async () => {
    const { client } = await chatter('never', { dailyTokenLimit: 2000 });
    const never = await client.sendPrompt('e'.repeat(1800), { maxTokens: 100 }).catch((e: unknown) => e);
    expect(never).toMatchObject({ errorType: 'ValidationError', errorInfo: { field: 'prompt', reason: 'neverFits' } });
    const { id } = await converse(client, ['f'.repeat(600)]);
    // The daily budget trims the context too: a prompt that fits alone is sent with what fits.
    const trimmed = await client.sendPrompt('g'.repeat(1000), { maxTokens: 100 }, undefined, id);
    expect(trimmed.contextTurns).toBe(0);
    const tomorrow = await client.sendPrompt('h'.repeat(1400), { maxTokens: 100 }, undefined, id).catch((e: unknown) => e);
    expect(tomorrow).toMatchObject({ errorType: 'QuotaExceeded', errorInfo: { kind: 'tokens', limit: 2000 } });
  });

  it('never lets long contexts sent at once pass the daily token budget', async () => {
    const budget = 12_000;
    const { client, id: userId } = await chatter('concurrent', { dailyTokenLimit: budget });
    const { id, answers } = await converse(client, ['i'.repeat(700), 'j'.repeat(700)]);
    const history = answers.map((a) => ({ prompt: a.prompt, response: a.response }));
    const prompt = (n: number) => `long context ${String(n).padStart(2, '0')} [[slow:800]] ` + 'k'.repeat(300);
    const input = baseBound(prompt(0)) + history.reduce((n, t) => n + turnBound(t), 0);
    expect(input).toBeLessThanOrEqual(BUDGET);
    const reserve = input + 200;
    const used = Number((await db.send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day: day() }, ConsistentRead: true }))).Item!.tokens);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => client.sendPrompt(prompt(i), { maxTokens: 200 }, undefined, id).then((r) => r, (e: unknown) => e)));
    const fit = Math.floor((budget - used) / reserve);
    expect(fit).toBeGreaterThan(0);
    expect(fit).toBeLessThan(8);
    const answered = results.filter((r): r is { contextTurns: number } => !(r instanceof Error));
    expect(answered).toHaveLength(fit);
    expect(answered.every((r) => r.contextTurns === 2)).toBe(true);
    expect(tally(await Promise.all(results.filter((r) => r instanceof Error).map((e) => outcome(Promise.reject(e)))))).toEqual({ QuotaExceeded: 8 - fit });
    await quiesce(api);
    const books = await checkBooks(db, api, userId, day(), budget);
    expect(books.violations).toEqual([]);
  });
});

describe('idempotent retries into a conversation', () => {
  it('return the first answer, charged once and counted once', async () => {
    const { client } = await chatter('retry');
    const { id } = await converse(client, ['start']);
    const first = await client.sendPrompt('again?', undefined, 'key-1', id);
    const retry = await client.sendPrompt('again?', undefined, 'key-1', id);
    expect(retry).toEqual(first);
    expect((await client.conversation(id)).turns).toBe(2);
    expect((await client.myUsage()).queries).toBe(2);
    // A retry of a prompt that started a conversation names that conversation, and starts none.
    const opened = await client.sendPrompt('new one', undefined, 'key-2');
    const reopened = await client.sendPrompt('new one', undefined, 'key-2');
    expect(reopened.conversationId).toBe(opened.conversationId);
    expect((await client.myConversations()).items.map((c) => c.id)).toEqual([opened.conversationId, id]);
  });
});

describe('listing and paging', () => {
  it('lists conversations most recently active first, and pages them and their turns', async () => {
    const { client } = await chatter('pages');
    const ids: string[] = [];
    for (const p of ['c1', 'c2', 'c3', 'c4', 'c5']) ids.push((await client.sendPrompt(p)).conversationId);
    await client.sendPrompt('back to c2', undefined, undefined, ids[1]);
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const page = await client.myConversations(2, next);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.title));
      next = page.nextToken ?? undefined;
    } while (next);
    expect(seen).toEqual(['c2', 'c5', 'c4', 'c3', 'c1']);

    const turnsSeen: number[] = [];
    const { id } = await converse(client, ['t1', 't2', 't3', 't4', 't5']);
    let cursor: string | undefined;
    do {
      const page = await client.conversationTurns(id, 2, cursor);
      turnsSeen.push(...page.items.map((t) => t.seq!));
      cursor = page.nextToken ?? undefined;
    } while (cursor);
    expect(turnsSeen).toEqual([5, 4, 3, 2, 1]);
    await expect(client.myConversations(0)).rejects.toMatchObject({ errorType: 'ValidationError' });
    await expect(client.myConversations(2, 'not-a-cursor')).rejects.toMatchObject({ errorType: 'ValidationError', errorInfo: { field: 'nextToken' } });
    await expect(client.conversationTurns(id, 2, '0')).rejects.toMatchObject({ errorType: 'ValidationError', errorInfo: { field: 'nextToken' } });
  });

  it('renames a conversation, within bounds', async () => {
    const { client } = await chatter('rename');
    const { conversationId } = await client.sendPrompt('untitled');
    await expect(client.renameConversation(conversationId, 'Trip to Lisbon')).resolves.toMatchObject({ id: conversationId, title: 'Trip to Lisbon' });
    expect((await client.conversation(conversationId)).title).toBe('Trip to Lisbon');
    await expect(client.renameConversation(conversationId, ' \n ')).rejects.toMatchObject({ errorType: 'ValidationError', errorInfo: { reason: 'empty' } });
    await expect(client.renameConversation(conversationId, 'x'.repeat(201))).rejects.toMatchObject({ errorType: 'ValidationError', errorInfo: { reason: 'tooLong' } });
  });
});

describe('deleting a conversation', () => {
  it('makes it unreadable and unusable at once, then purges its turns', async () => {
    const { client, id: userId } = await chatter('delete');
    const { id, answers } = await converse(client, ['keep me out', 'me too', 'and me']);
    const other = await client.sendPrompt('a conversation that stays');
    const charged = (await client.myUsage()).queries;
    await expect(client.deleteConversation(id)).resolves.toBe(true);
    await expect(client.conversation(id)).rejects.toMatchObject({ errorType: 'NotFound' });
    await expect(client.conversationTurns(id)).rejects.toMatchObject({ errorType: 'NotFound' });
    await expect(client.sendPrompt('and now?', undefined, undefined, id)).rejects.toMatchObject({ errorType: 'NotFound' });
    await expect(client.renameConversation(id, 'back')).rejects.toMatchObject({ errorType: 'NotFound' });
    await expect(client.deleteConversation(id)).rejects.toMatchObject({ errorType: 'NotFound' });
    expect((await client.myConversations()).items.map((c) => c.id)).toEqual([other.conversationId]);
    expect((await client.myUsage()).queries).toBe(charged);

    // Past the purge delay (past any streamed turn's settling, reconciler/purge.ts), the
    // reconciler's schedule deletes the turns' records and the header; not before.
    api.clock.set(api.clock.now() + 120_000);
    const [early] = (await api.schedules.run('ReconcileSchedule')) as { purgedConversations: number }[];
    expect(early).toMatchObject({ purgedConversations: 0 });
    api.clock.set(api.clock.now() + streamSettledMs(900));
    const [report] = (await api.schedules.run('ReconcileSchedule')) as { purgedConversations: number; purgedTurns: number }[];
    expect(report).toMatchObject({ purgedConversations: 1, purgedTurns: 3 });
    const left = (await client.myPrompts(100)).items.map((p) => p.id);
    expect(left).toEqual([other.id]);
    expect(answers.every((a) => !left.includes(a.id))).toBe(true);
    const header = await db.send(new GetCommand({ TableName: api.tableName('ConversationsTable'), Key: { userId, id }, ConsistentRead: true }));
    expect(header.Item).toBeUndefined();
    // Usage is not the log: the day's count stays as charged.
    expect((await client.myUsage()).queries).toBe(charged);
  });
});

describe("another user's conversation", () => {
  it('is NotFound to every operation, and a prompt into it is not charged', async () => {
    const owner = await chatter('owner');
    const intruder = await chatter('intruder');
    const { id } = await converse(owner.client, ['private', 'still private']);
    const c = intruder.client;
    const attempts = {
      conversation: outcome(c.conversation(id)),
      conversationTurns: outcome(c.conversationTurns(id)),
      renameConversation: outcome(c.renameConversation(id, 'mine now')),
      deleteConversation: outcome(c.deleteConversation(id)),
      sendPrompt: outcome(c.sendPrompt('continue it', undefined, undefined, id)),
    };
    for (const [operation, result] of Object.entries(attempts)) expect([operation, await result]).toEqual([operation, 'NotFound']);
    expect((await c.myConversations()).items).toEqual([]);
    expect((await c.myUsage()).queries).toBe(0);
    // Nothing changed for the owner.
    expect(await owner.client.conversation(id)).toMatchObject({ title: 'private', turns: 2 });
    // Ids that cannot be a conversation's are NotFound too, before DynamoDB.
    for (const bad of ['', 'x', `${id}#`, '../' + id]) {
      expect(await outcome(c.conversation(bad))).toBe('NotFound');
      expect(await outcome(c.sendPrompt('hi', undefined, undefined, bad))).toBe('NotFound');
    }
  });
});
