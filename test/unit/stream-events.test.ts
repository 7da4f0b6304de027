// The stream function's event batching (functions/stream/publish.ts) and the SDK's stream
// helpers (client/stream.ts): pure parts; batching on vitest's fake clock, so no test waits on the machine's speed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newPromptId, realtimeUrlOf, Sequencer } from '../../client/stream.ts';
import { EventStream, MAX_EVENT_TEXT } from '../../functions/stream/publish.ts';

type Published = { seq: number; kind: string; text?: string; offset?: number };

function recorder(delayMs = 0) {
  const published: Published[] = [];
  const publish = async (event: Published) => {
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    published.push(event);
  };
  return { published, publish };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('EventStream', () => {
  it('sends the first text at once, then batches what arrives within the interval into one event', async () => {
    vi.useFakeTimers();
    const { published, publish } = recorder();
    const stream = new EventStream({ promptId: 'p', userId: 'u' }, publish, 200);
    stream.text('Hello');
    await vi.advanceTimersByTimeAsync(10);
    expect(published.map((e) => e.text)).toEqual(['Hello']);
    stream.text(', ');
    stream.text('world');
    await vi.advanceTimersByTimeAsync(100);
    expect(published).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(published.map((e) => [e.seq, e.text, e.offset])).toEqual([
      [0, 'Hello', 0],
      [1, ', world', 5],
    ]);
    const stats = await stream.end({ kind: 'DONE', status: 'COMPLETED' });
    expect(published.at(-1)).toMatchObject({ seq: 2, kind: 'DONE', promptId: 'p', userId: 'u' });
    expect(stats).toEqual({ published: 3, failed: 0 });
  });

  it('flushes the buffered text before the final event, in seq order even when publishing is slow', async () => {
    const { published, publish } = recorder(5);
    const stream = new EventStream({ promptId: 'p', userId: 'u' }, publish, 1000);
    stream.text('a');
    stream.text('b');
    stream.text('c');
    await stream.end({ kind: 'ERROR', errorType: 'ModelError', message: 'cut' });
    expect(published.map((e) => [e.seq, e.kind, e.text ?? null])).toEqual([
      [0, 'TEXT', 'a'],
      [1, 'TEXT', 'bc'],
      [2, 'ERROR', null],
    ]);
  });

  it('splits text longer than publishPromptEvent accepts, with offsets that tile it', async () => {
    const { published, publish } = recorder();
    const stream = new EventStream({ promptId: 'p', userId: 'u' }, publish, 0);
    const long = 'x'.repeat(MAX_EVENT_TEXT * 2 + 10);
    stream.text(long);
    await stream.end({ kind: 'DONE', status: 'COMPLETED' });
    const texts = published.filter((e) => e.kind === 'TEXT');
    expect(texts.map((e) => [e.offset, e.text!.length])).toEqual([
      [0, MAX_EVENT_TEXT],
      [MAX_EVENT_TEXT, MAX_EVENT_TEXT],
      [MAX_EVENT_TEXT * 2, 10],
    ]);
  });

  it('counts a publish that failed and goes on with the next', async () => {
    let calls = 0;
    const stream = new EventStream(
      { promptId: 'p', userId: 'u' },
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('AppSync said no');
      },
      0,
    );
    stream.text('lost');
    expect(await stream.end({ kind: 'DONE', status: 'COMPLETED' })).toEqual({ published: 1, failed: 1 });
  });
});

describe('the SDK’s stream helpers', () => {
  it('derive the real-time endpoint as AppSync does, and the emulator’s on its own port', () => {
    expect(realtimeUrlOf('https://abc.appsync-api.eu-west-1.amazonaws.com/graphql')).toBe('wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/graphql');
    expect(realtimeUrlOf('http://localhost:4000/graphql')).toBe('ws://localhost:4000/graphql/realtime');
    expect(realtimeUrlOf('https://localhost:4000/graphql')).toBe('wss://localhost:4000/graphql/realtime');
  });

  it('make prompt ids that are ULIDs, time-ordered', () => {
    const a = newPromptId(Date.parse('2026-11-30T10:00:00Z'));
    const b = newPromptId(Date.parse('2026-11-30T10:00:01Z'));
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a.slice(0, 10) < b.slice(0, 10)).toBe(true);
  });

  it('put events back in seq order and drop repeats', () => {
    const order = new Sequencer();
    const e = (seq: number) => ({
      promptId: 'p',
      userId: 'u',
      seq,
      kind: 'TEXT' as const,
      text: String(seq),
      offset: seq,
      status: null,
      usage: null,
      queries: null,
      balance: null,
      errorType: null,
      message: null,
      retryable: null,
      retryAfterSeconds: null,
    });
    expect(order.accept(e(1))).toEqual([]);
    expect(order.accept(e(0)).map((x) => x.seq)).toEqual([0, 1]);
    expect(order.accept(e(1))).toEqual([]);
    expect(order.accept(e(2)).map((x) => x.seq)).toEqual([2]);
  });
});
