// Streamed prompts end to end on the emulator: startPrompt admits and returns at once, the stream
// function (invoked asynchronously) streams the dev model's ConverseStream through
// publishPromptEvent, and the SDK's streamPrompt reads it over the real-time WebSocket. Each test
// ends with the user's books balanced (test/helpers/books.ts): settled once, nothing left pending.
import { describe, expect, it } from 'vitest';
import { createClient, newPromptId, TollgateError, type PromptStreamEvent } from '../../client/index.ts';
import { FaultPlan, parseFaults } from '../../emulator/faults/plan.ts';
import { outcome, tally, useEmulator, type TestUser } from '../helpers/emulator.ts';
import { collect, NodeSocket, streamBooks, streamingClient as streamingFrom, textOf } from '../helpers/streaming.ts';
import { ON_PROMPT_EVENT, RealtimeSocket, headerProtocol } from '../helpers/realtime.ts';

// Paced so a stream lasts a few hundred milliseconds: long enough to drop a socket or arrive late.
// The fault plan is empty except in the test that crashes the stream function.
const faults = new FaultPlan([], 15);
// The tests move the clock and run the reconciler themselves (books()), so no schedule races them.
const emulator = useEmulator({ devModelPace: { firstTokenMs: 30, tokensPerSecond: 300 }, faultPlan: faults, schedules: false });
const DAILY_TOKENS = 200_000;

const streamingClient = (user: TestUser, options: { catchUpIntervalMs?: number } = {}) => streamingFrom(emulator.api, user, options);
const books = (user: TestUser) => streamBooks(emulator.api, user, DAILY_TOKENS);

/** A raw subscriber (the protocol as any stock client speaks it), for what the SDK hides. */
async function rawSubscriber(user: TestUser, promptId: string) {
  const api = emulator.api;
  const auth = { Authorization: `Bearer ${user.token}`, host: new URL(api.graphqlUrl).host };
  const socket = await RealtimeSocket.open(api.realtimeUrl, { protocols: ['graphql-ws', headerProtocol(auth)] });
  await socket.init();
  const query = 'subscription On($promptId: ID!) { onPromptEvent(promptId: $promptId) { promptId userId seq kind text offset status } }';
  socket.start('s1', query, { promptId }, auth);
  return { socket, ack: await socket.nextOtherThanKa() };
}

describe('startPrompt and streamPrompt', () => {
  it('streams the answer in order, settles it once, and the log holds the whole answer', async () => {
    const user = await emulator.freshUser('stream');
    const events = await collect(streamingClient(user).streamPrompt('Tell me about streaming.'));
    expect(events[0]).toMatchObject({ kind: 'STARTED', queries: 1, balance: 49 });
    const done = events.at(-1)!;
    expect(done).toMatchObject({ kind: 'DONE', status: 'COMPLETED', queries: 1, balance: 49, replacement: null });
    const texts = events.filter((e) => e.kind === 'TEXT');
    expect(texts.length).toBeGreaterThan(0);
    // Offsets tile the answer: each piece starts where the one before ended.
    let at = 0;
    for (const t of texts) {
      expect(t.offset).toBe(at);
      at += t.text.length;
    }
    const id = (events[0] as { id: string }).id;
    const record = await user.client.prompt(id);
    expect(record).toMatchObject({ id, status: 'COMPLETED', prompt: 'Tell me about streaming.' });
    expect(record.response).toBe(textOf(events));
    expect(done.kind === 'DONE' && done.usage).toEqual(record.usage);
    expect((await books(user)).violations).toEqual([]);
  });

  it('returns the same admission for a restart with the same promptId or idempotencyKey, and charges once', async () => {
    const user = await emulator.freshUser('restart');
    const promptId = newPromptId();
    const [first, second] = await Promise.all([user.client.startPrompt('Twice?', undefined, { promptId }), user.client.startPrompt('Twice?', undefined, { promptId })]);
    expect(first.id).toBe(promptId);
    expect(second.id).toBe(promptId);
    await emulator.api.lambdaAsync.idle();
    // After the end, a restart answers how it ended, still without a charge.
    const third = await user.client.startPrompt('Twice?', undefined, { promptId });
    expect(third).toMatchObject({ id: promptId, status: 'COMPLETED', queries: 1 });
    const keyed = await user.client.startPrompt('Keyed', undefined, { idempotencyKey: 'k-1' });
    const again = await user.client.startPrompt('Keyed', undefined, { idempotencyKey: 'k-1' });
    expect(again.id).toBe(keyed.id);
    await emulator.api.lambdaAsync.idle();
    expect((await user.client.myUsage()).queries).toBe(2);
    const b = await books(user);
    expect(b.violations).toEqual([]);
    expect(b.records).toEqual({ COMPLETED: 2 });
  });

  it('refuses a promptId another user holds, at start (ValidationError) and at subscribe (NotFound, the socket stays open)', async () => {
    const owner = await emulator.freshUser('owner');
    const other = await emulator.freshUser('other');
    const promptId = newPromptId();
    await owner.client.startPrompt('Mine', undefined, { promptId });
    const taken = await other.client.startPrompt('Yours?', undefined, { promptId }).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(TollgateError);
    expect(taken).toMatchObject({ errorType: 'ValidationError', errorInfo: { field: 'promptId', reason: 'taken' } });
    const { socket, ack } = await rawSubscriber(other, promptId);
    expect(ack).toMatchObject({ type: 'error', id: 's1', payload: { errors: [{ errorType: 'NotFound', message: 'No prompt with that id belongs to you.' }] } });
    // Not Unauthorized: Amplify would close the whole socket on that (APPSYNC-REALTIME.md §0.5).
    socket.start('s2', ON_PROMPT_EVENT, { promptId: newPromptId() }, { Authorization: `Bearer ${other.token}`, host: new URL(emulator.api.graphqlUrl).host });
    expect(await socket.nextOtherThanKa()).toMatchObject({ type: 'start_ack', id: 's2' });
    socket.close();
    expect(await outcome(other.client.prompt(promptId))).toBe('NotFound');
    await emulator.api.lambdaAsync.idle();
    expect((await books(owner)).violations).toEqual([]);
    expect((await books(other)).charged).toBe(0);
  });

  it('delivers nothing to another user who subscribed to the id before its owner claimed it', async () => {
    const owner = await emulator.freshUser('owner2');
    const spy = await emulator.freshUser('spy');
    const promptId = newPromptId();
    const { socket, ack } = await rawSubscriber(spy, promptId);
    expect(ack).toMatchObject({ type: 'start_ack' });
    const events = await collect(streamingClient(owner).streamPrompt('Private', undefined, { promptId }));
    expect(events.at(-1)).toMatchObject({ kind: 'DONE', status: 'COMPLETED' });
    await expect(socket.nextOtherThanKa(300)).rejects.toThrow('no frame arrived');
    socket.close();
  });

  it('settles a stream cut mid-answer as the blocking path does (charged, FAILED) and says so in an ERROR event', async () => {
    const user = await emulator.freshUser('cut');
    const events: PromptStreamEvent[] = [];
    const error = await (async () => {
      for await (const e of streamingClient(user).streamPrompt('Cut me [[fault:stream-cut:2]]')) events.push(e);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ errorType: 'ModelError', errorInfo: { retryable: true } });
    expect((error as Error).message).toMatch(/charged/);
    expect(events.filter((e) => e.kind === 'TEXT').length).toBeGreaterThan(0);
    const b = await books(user);
    expect(b.violations).toEqual([]);
    expect(b.records).toEqual({ FAILED: 1 });
    expect(b.charged).toBe(1);
  });

  it('refunds a stream the model refused before any text (throttled)', async () => {
    const user = await emulator.freshUser('throttled');
    const error = await collect(streamingClient(user).streamPrompt('No [[fault:throttle]]')).catch((e: unknown) => e);
    expect(error).toMatchObject({ errorType: 'ModelError' });
    expect((error as Error).message).toMatch(/not charged/);
    const b = await books(user);
    expect(b.violations).toEqual([]);
    expect(b.charged).toBe(0);
    expect(b.records).toEqual({ FAILED: 1 });
  });

  it('ends a stream a guardrail blocked with DONE BLOCKED and the text that replaces what was shown', async () => {
    const user = await emulator.freshUser('guardrail');
    const events = await collect(streamingClient(user).streamPrompt('Block me [[fault:guardrail]]'));
    const done = events.at(-1)!;
    expect(done).toMatchObject({ kind: 'DONE', status: 'BLOCKED', replacement: 'Sorry, the model cannot answer this question.' });
    const b = await books(user);
    expect(b.violations).toEqual([]);
    expect(b.records).toEqual({ BLOCKED: 1 });
  });

  it('ends the SDK’s stream from the log when the stream function crashed before its final event', async () => {
    const user = await emulator.freshUser('crashed');
    faults.set(parseFaults('lambda.crash@StreamFunction=1'));
    const events: PromptStreamEvent[] = [];
    const ended = await (async () => {
      for await (const e of createClient({ url: emulator.api.graphqlUrl, token: user.token, WebSocket: NodeSocket, streamIdleMs: 300, catchUpIntervalMs: 50 }).streamPrompt('Crash midway')) events.push(e);
      return 'DONE';
    })().catch((e: unknown) => (e instanceof TollgateError ? e.errorType : String(e)));
    expect(faults.stats()['lambda.crash']).toBe(1);
    faults.clear();
    // Lambda gave the event up at once (no retries): the reconciler settled it from the event.
    const record = await user.client.prompt((events[0] as { id: string }).id);
    expect(record.status).not.toBe('STREAMING');
    expect(ended).toBe(record.status === 'COMPLETED' ? 'DONE' : 'ModelError');
    expect((await books(user)).violations).toEqual([]);
  });

  it('settles a prompt whose client dropped the socket mid-stream, with the whole answer in the log', async () => {
    const user = await emulator.freshUser('dropped');
    const promptId = newPromptId();
    const { socket } = await rawSubscriber(user, promptId);
    await user.client.startPrompt('Drop me halfway', undefined, { promptId });
    expect(await socket.nextOtherThanKa()).toMatchObject({ type: 'data' });
    socket.ws.terminate();
    await emulator.api.lambdaAsync.idle();
    const record = await user.client.prompt(promptId);
    expect(record.status).toBe('COMPLETED');
    expect(record.response!.length).toBeGreaterThan(50);
    expect((await books(user)).violations).toEqual([]);
  });

  it('lets a late subscriber stitch the answer from prompt(id) and the events’ offsets, and one after the end read it whole', async () => {
    const user = await emulator.freshUser('late');
    const promptId = newPromptId();
    const early = await rawSubscriber(user, promptId);
    await user.client.startPrompt('Arrive late', undefined, { promptId });
    // The late one subscribes once the first text went out.
    const first = await early.socket.nextOtherThanKa();
    expect(first).toMatchObject({ type: 'data' });
    const late = await rawSubscriber(user, promptId);
    expect(late.ack).toMatchObject({ type: 'start_ack' });
    const pieces: { offset: number; text: string }[] = [];
    for (;;) {
      const frame = await late.socket.nextOtherThanKa();
      const event = (frame.payload as { data: { onPromptEvent: { kind: string; text: string | null; offset: number | null } } }).data.onPromptEvent;
      if (event.kind !== 'TEXT') break;
      pieces.push({ offset: event.offset!, text: event.text! });
    }
    early.socket.close();
    late.socket.close();
    const whole = (await user.client.prompt(promptId)).response!;
    // What the late subscriber missed is the log's answer up to its first offset; the rest it saw.
    const from = pieces[0]?.offset ?? whole.length;
    expect(from).toBeGreaterThan(0);
    expect(whole.slice(0, from) + pieces.map((p) => p.text).join('')).toBe(whole);
    // After the end: nothing more will come, and the log has it all.
    const after = await rawSubscriber(user, promptId);
    expect(after.ack).toMatchObject({ type: 'start_ack' });
    await expect(after.socket.nextOtherThanKa(200)).rejects.toThrow('no frame arrived');
    after.socket.close();
    expect((await user.client.prompt(promptId)).status).toBe('COMPLETED');
  });

  it('shows a prompt still being written as STREAMING through prompt(id)', async () => {
    const user = await emulator.freshUser('midway');
    const promptId = newPromptId();
    await user.client.startPrompt('Hold on [[slow:600]]', undefined, { promptId });
    const midway = await user.client.prompt(promptId);
    expect(midway).toMatchObject({ id: promptId, status: 'STREAMING', prompt: 'Hold on [[slow:600]]', usage: null });
    await emulator.api.lambdaAsync.idle();
    expect((await user.client.prompt(promptId)).status).toBe('COMPLETED');
  });

  it('admits exactly the in-flight limit of 3N concurrent streams, and each admitted one settles once', async () => {
    const user = await emulator.freshUser('concurrent');
    const N = 3; // promptsInFlight
    // Slow enough that no admitted stream settles (and frees its lease) before the last of the
    // 3N starts is admitted, even on a loaded machine.
    const starts = await Promise.all(Array.from({ length: 3 * N }, (_, i) => outcome(user.client.startPrompt(`Concurrent ${i} [[slow:8000]]`))));
    expect(tally(starts)).toEqual({ ok: N, RateLimited: 2 * N });
    await emulator.api.lambdaAsync.idle();
    const b = await books(user);
    expect(b.violations).toEqual([]);
    expect(b.records).toEqual({ COMPLETED: N });
    expect(b.charged).toBe(N);
  });
});
