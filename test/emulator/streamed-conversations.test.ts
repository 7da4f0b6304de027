// Streamed prompts inside conversations, end to end on the emulator: startPrompt's claimAccess
// transaction (account, conversation, the id's claim), readContext and openTurn, the stream
// function answering from the whole history (the dev model names what it remembers) and settling
// the turn, restarts, refusals, deletion, and the books balanced after each.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { newPromptId, type PromptStreamEvent } from '../../client/index.ts';
import { FaultPlan } from '../../emulator/faults/plan.ts';
import { documentClientOf, outcome, useEmulator, type TestUser } from '../helpers/emulator.ts';
import { claimItem, collect, streamBooks, streamingClient, textOf } from '../helpers/streaming.ts';

const faults = new FaultPlan([], 16);
const emulator = useEmulator({ devModelPace: { firstTokenMs: 20, tokensPerSecond: 400 }, faultPlan: faults, schedules: false });
const DAILY_TOKENS = 200_000;

const books = (user: TestUser) => streamBooks(emulator.api, user, DAILY_TOKENS);
const stream = (user: TestUser, prompt: string, ids: { promptId?: string; idempotencyKey?: string; conversationId?: string } = {}) =>
  collect(streamingClient(emulator.api, user).streamPrompt(prompt, undefined, ids));
const startedOf = (events: PromptStreamEvent[]) => events[0] as Extract<PromptStreamEvent, { kind: 'STARTED' }>;

const claimOf = (id: string) => claimItem(emulator.api, id);
const usageItem = async (user: TestUser) => {
  const day = new Date(emulator.api.clock.now()).toISOString().slice(0, 10);
  return (await documentClientOf(emulator.api).send(new GetCommand({ TableName: emulator.api.tableName('UsageTable'), Key: { userId: user.id, day }, ConsistentRead: true }))).Item;
};

describe('a streamed prompt in a conversation', () => {
  it('is sent the earlier turns, says how many, and is the next turn of the conversation', async () => {
    const user = await emulator.freshUser('stream-context');
    const first = await stream(user, 'Tell me about alpacas.');
    const opened = startedOf(first);
    expect(opened).toMatchObject({ kind: 'STARTED', contextTurns: 0, conversationId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/) });
    expect(textOf(first)).not.toContain('I remember');
    const second = await stream(user, 'And llamas?', { conversationId: opened.conversationId });
    expect(startedOf(second)).toMatchObject({ conversationId: opened.conversationId, contextTurns: 1 });
    expect(textOf(second)).toContain('I remember 1 earlier turn: you first said "Tell me about alpacas."');
    expect(second.at(-1)).toMatchObject({ kind: 'DONE', status: 'COMPLETED' });

    // The stream function settled the turns as the blocking path does: the log record is the turn.
    const turns = (await user.client.conversationTurns(opened.conversationId)).items;
    expect(turns.map((t) => [t.seq, t.prompt, t.id, t.status])).toEqual([
      [2, 'And llamas?', startedOf(second).id, 'COMPLETED'],
      [1, 'Tell me about alpacas.', opened.id, 'COMPLETED'],
    ]);
    expect(turns[0]!.response).toBe(textOf(second));
    expect(await user.client.prompt(startedOf(second).id)).toMatchObject({ conversationId: opened.conversationId, seq: 2 });
    expect(await user.client.conversation(opened.conversationId)).toMatchObject({ title: 'Tell me about alpacas.', turns: 2 });
    expect((await books(user)).violations).toEqual([]);
  });

  it('names its conversation and seq in prompt(id) while still STREAMING, from its first text on', async () => {
    const user = await emulator.freshUser('stream-midway');
    const base = await user.client.sendPrompt('base');
    const promptId = newPromptId();
    // The dev model holds the stream after its first piece of text ([[pause:…]]), so the answer is begun and not ended.
    await user.client.startPrompt('Midway [[pause:3000]]', undefined, { promptId, conversationId: base.conversationId });
    let midway = await user.client.prompt(promptId);
    while (midway.status === 'STREAMING' && midway.response === '') {
      await new Promise((resolve) => setTimeout(resolve, 25));
      midway = await user.client.prompt(promptId);
    }
    expect(midway).toMatchObject({ id: promptId, status: 'STREAMING', conversationId: base.conversationId, seq: 2 });
    expect(midway.response).not.toBe('');
    await emulator.api.lambdaAsync.idle();
    expect(await user.client.prompt(promptId)).toMatchObject({ status: 'COMPLETED', conversationId: base.conversationId, seq: 2 });
    // The claim keeps them (no index key: it is never a turn of conversationTurns).
    expect(await claimOf(promptId)).toMatchObject({ conversationId: base.conversationId, seq: 2 });
    expect((await user.client.conversationTurns(base.conversationId)).items.map((t) => t.id)).toEqual([promptId, base.id]);
    expect((await books(user)).violations).toEqual([]);
  });

  it('orders blocking and streamed turns of one conversation by seq, each with the context before it', async () => {
    const user = await emulator.freshUser('stream-mixed');
    const one = await user.client.sendPrompt('one');
    const two = await stream(user, 'two', { conversationId: one.conversationId });
    expect(startedOf(two).contextTurns).toBe(1);
    const three = await user.client.sendPrompt('three', undefined, undefined, one.conversationId);
    expect(three.contextTurns).toBe(2);
    expect(three.response).toContain('I remember 2 earlier turns: you first said "one" and last said "two"');

    // Two streams started at once into it: both answered, each with the three turns admitted before them.
    const both = await Promise.all([stream(user, 'four [[slow:200]]', { conversationId: one.conversationId }), stream(user, 'five [[slow:200]]', { conversationId: one.conversationId })]);
    expect(both.map((events) => startedOf(events).contextTurns)).toEqual([3, 3]);
    for (const events of both) {
      expect(events.at(-1)).toMatchObject({ kind: 'DONE', status: 'COMPLETED' });
      expect(textOf(events)).toContain('I remember 3 earlier turns: you first said "one" and last said "three"');
    }
    const turns = (await user.client.conversationTurns(one.conversationId)).items;
    expect(turns.map((t) => t.seq)).toEqual([5, 4, 3, 2, 1]);
    expect(new Set(turns.slice(0, 2).map((t) => t.id))).toEqual(new Set(both.map((events) => startedOf(events).id)));
    const next = await stream(user, 'six', { conversationId: one.conversationId });
    expect(startedOf(next).contextTurns).toBe(5);
    const b = await books(user);
    expect(b.violations).toEqual([]);
    expect(b.records).toEqual({ COMPLETED: 6 });
  });

  it('answers a restart with the first admission, its conversation and context, charged once and counted as one turn', async () => {
    const user = await emulator.freshUser('stream-restart');
    const base = await user.client.sendPrompt('base');
    const conversationId = base.conversationId;
    const promptId = newPromptId();
    const first = await user.client.startPrompt('Again? [[slow:400]]', undefined, { promptId, conversationId });
    expect(first).toMatchObject({ id: promptId, conversationId, contextTurns: 1, status: null });
    // While it streams: the same admission, from its lease.
    expect(await user.client.startPrompt('Again? [[slow:400]]', undefined, { promptId, conversationId })).toMatchObject({ id: promptId, conversationId, contextTurns: 1, status: null });
    await emulator.api.lambdaAsync.idle();
    // After the end: how it ended, from its record.
    expect(await user.client.startPrompt('Again? [[slow:400]]', undefined, { promptId, conversationId })).toMatchObject({ id: promptId, conversationId, contextTurns: 1, status: 'COMPLETED' });

    // A prompt that started a new conversation: its restart names that conversation, not another new one.
    const fresh = newPromptId();
    const opened = await user.client.startPrompt('A new one [[slow:400]]', undefined, { promptId: fresh });
    expect(opened.conversationId).not.toBe(conversationId);
    expect(await user.client.startPrompt('A new one [[slow:400]]', undefined, { promptId: fresh })).toMatchObject({ id: fresh, conversationId: opened.conversationId, contextTurns: 0 });

    // By idempotency key (no promptId): the SDK reads the first one's answer as it grows.
    const keyed = await stream(user, 'Keyed [[slow:300]]', { idempotencyKey: 'k-conv', conversationId });
    const again = await stream(user, 'Keyed [[slow:300]]', { idempotencyKey: 'k-conv', conversationId });
    expect(startedOf(again)).toMatchObject({ id: startedOf(keyed).id, conversationId, contextTurns: startedOf(keyed).contextTurns });
    expect(textOf(again)).toBe(textOf(keyed));

    await emulator.api.lambdaAsync.idle();
    expect(await user.client.conversation(conversationId)).toMatchObject({ turns: 3 });
    expect((await user.client.conversationTurns(conversationId)).items.map((t) => t.seq)).toEqual([3, 2, 1]);
    expect((await user.client.conversation(opened.conversationId)).turns).toBe(1);
    const b = await books(user);
    expect(b.violations).toEqual([]);
    expect(b.records).toEqual({ COMPLETED: 4 });
    expect(b.charged).toBe(4);
  });
});

describe('a streamed restart of a blocking prompt', () => {
  it('still running under the same idempotency key answers the first admission: its id, conversation and context', async () => {
    const user = await emulator.freshUser('stream-after-blocking');
    const base = await user.client.sendPrompt('base');
    const prompt = 'Blocking first [[slow:3000]]';
    const blocking = user.client.sendPrompt(prompt, undefined, 'k-both', base.conversationId);
    // Admitted once the usage item holds the key (and the lease naming the conversation).
    while ((await usageItem(user))?.['idem:k-both'] === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    const lease = [...((await usageItem(user))?.leases as Set<string>)][0];
    expect(lease).toContain(`:c=${base.conversationId}/1:`);
    // Named no conversation: without the lease's facts it would have answered a new one and no turns.
    const restart = await user.client.startPrompt(prompt, undefined, { idempotencyKey: 'k-both' });
    // The SDK's streamPrompt by the key reads that prompt's answer once its request logged it (it has no claim to read before).
    const [first, streamed] = await Promise.all([blocking, stream(user, prompt, { idempotencyKey: 'k-both' })]);
    expect(restart).toMatchObject({ id: first.id, conversationId: base.conversationId, contextTurns: 1, status: null });
    expect(startedOf(streamed)).toMatchObject({ id: first.id, conversationId: base.conversationId, contextTurns: 1 });
    expect(textOf(streamed)).toBe(first.response);
    expect(streamed.at(-1)).toMatchObject({ kind: 'DONE', status: 'COMPLETED' });
    // After the end, the record answers (findFirst), as before.
    expect(await user.client.startPrompt(prompt, undefined, { idempotencyKey: 'k-both' })).toMatchObject({ id: first.id, conversationId: base.conversationId, contextTurns: 1, status: 'COMPLETED' });
    expect(await user.client.conversation(base.conversationId)).toMatchObject({ turns: 2 });
    const b = await books(user);
    expect(b.violations).toEqual([]);
    expect(b.charged).toBe(2);
  });
});

describe('a streamed prompt refused at claimAccess', () => {
  it('into another user’s conversation or an unknown one is NotFound, charges nothing and leaves the id free for its owner', async () => {
    const owner = await emulator.freshUser('stream-owner');
    const intruder = await emulator.freshUser('stream-intruder');
    const theirs = await owner.client.sendPrompt('private');
    const promptId = newPromptId();
    for (const conversationId of [theirs.conversationId, newPromptId()]) {
      expect(await outcome(intruder.client.startPrompt('continue it', undefined, { promptId, conversationId }))).toBe('NotFound');
    }
    // The transaction wrote nothing: no claim, so the same id starts at once somewhere the caller may write.
    expect(await claimOf(promptId)).toBeUndefined();
    const retried = await stream(intruder, 'my own then', { promptId });
    expect(startedOf(retried)).toMatchObject({ id: promptId, contextTurns: 0 });
    expect(await owner.client.conversation(theirs.conversationId)).toMatchObject({ turns: 1 });
    const b = await books(intruder);
    expect(b.violations).toEqual([]);
    expect(b.charged).toBe(1);
  });

  it('with a revoked token is Unauthorized, even while the authorizer still caches it', async () => {
    const user = await emulator.freshUser('stream-revoked');
    const { conversationId } = await user.client.sendPrompt('before');
    await user.client.logoutEverywhere();
    await expect(user.client.startPrompt('after', undefined, { conversationId })).rejects.toMatchObject({ errorType: 'Unauthorized' });
    await expect(user.client.startPrompt('after, anew')).rejects.toMatchObject({ errorType: 'Unauthorized' });
    expect((await books(user)).charged).toBe(1);
  });

  it('with a promptId another user holds is still a ValidationError, whatever conversation it names', async () => {
    const owner = await emulator.freshUser('stream-holder');
    const other = await emulator.freshUser('stream-taker');
    const promptId = newPromptId();
    await owner.client.startPrompt('Mine', undefined, { promptId });
    const { conversationId } = await other.client.sendPrompt('my conversation');
    await expect(other.client.startPrompt('Yours?', undefined, { promptId, conversationId })).rejects.toMatchObject({ errorType: 'ValidationError', errorInfo: { field: 'promptId', reason: 'taken' } });
    expect((await other.client.conversation(conversationId)).turns).toBe(1);
    expect((await claimOf(promptId))?.owner).toBe(owner.id);
    expect((await books(other)).charged).toBe(1);
    expect((await books(owner)).violations).toEqual([]);
  });

  it('by a conflicting write is RateLimited, charges nothing and claims nothing', async () => {
    const user = await emulator.freshUser('stream-conflict');
    faults.set([{ service: 'dynamodb', kind: 'TransactionConflict', target: 'PromptsTable', operation: 'TransactWriteItems', probability: 1, limit: 1 }]);
    const promptId = newPromptId();
    const refused = await user.client.startPrompt('Busy?', undefined, { promptId }).catch((e: unknown) => e);
    faults.clear();
    expect(refused).toMatchObject({ errorType: 'RateLimited', errorInfo: { retryAfterSeconds: 1 } });
    expect(await claimOf(promptId)).toBeUndefined();
    expect(startedOf(await stream(user, 'Busy?', { promptId })).id).toBe(promptId);
    const b = await books(user);
    expect(b.violations).toEqual([]);
    expect(b.charged).toBe(1);
  });
});

describe('a streamed prompt and a deleted conversation', () => {
  it('already with the model is answered and charged; the conversation is gone at once and its turns are purged', async () => {
    const user = await emulator.freshUser('stream-delete');
    const { conversationId } = await user.client.sendPrompt('first');
    const started = await user.client.startPrompt('Still going [[slow:500]]', undefined, { conversationId });
    await expect(user.client.deleteConversation(conversationId)).resolves.toBe(true);
    await expect(user.client.startPrompt('and now?', undefined, { conversationId })).rejects.toMatchObject({ errorType: 'NotFound' });
    await expect(user.client.conversationTurns(conversationId)).rejects.toMatchObject({ errorType: 'NotFound' });
    await emulator.api.lambdaAsync.idle();
    expect(await user.client.prompt(started.id)).toMatchObject({ status: 'COMPLETED', conversationId, seq: 2 });
    expect((await user.client.myUsage()).queries).toBe(2);
    // books() moves the clock past the purge delay and runs the reconciler: the turns go with the
    // conversation, and usage is not the log, so the day's two charges stay without their records.
    const b = await books(user);
    expect(b.violations).toHaveLength(2);
    for (const violation of b.violations) expect(violation).toMatch(/(prompts charged 2 != charged log records 0|tokens charged \d+\/\d+ != tokens in the log 0\/0)/);
    expect(b.charged).toBe(2);
    expect(await outcome(user.client.prompt(started.id))).toBe('NotFound');
  });

  it('whose turn cannot be opened is refunded, never reaches the stream function, and says so', async () => {
    const user = await emulator.freshUser('stream-turn');
    const { conversationId } = await user.client.sendPrompt('first');
    await emulator.api.lambdaAsync.idle();
    const queued = emulator.api.lambdaAsync.stats.queued;
    faults.set([{ service: 'dynamodb', kind: 'ThrottlingException', target: 'ConversationsTable', operation: 'UpdateItem', probability: 1, limit: 1 }]);
    const refused = await user.client.startPrompt('Open me', undefined, { conversationId }).catch((e: unknown) => e);
    faults.clear();
    expect(refused).toMatchObject({ errorType: 'RateLimited' });
    expect((refused as Error).message).toMatch(/not charged/);
    await emulator.api.lambdaAsync.idle();
    expect(emulator.api.lambdaAsync.stats.queued).toBe(queued);
    expect((await user.client.conversation(conversationId)).turns).toBe(1);
    const b = await books(user);
    expect(b.violations).toEqual([]);
    expect(b.records).toEqual({ COMPLETED: 1, FAILED: 1 });
    expect(b.charged).toBe(1);
  });
});
