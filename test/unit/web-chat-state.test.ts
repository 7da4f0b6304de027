// The chat's state, ready for answers that arrive in pieces: a turn is generating until done,
// failed or stopped; pieces land at their offsets (repeats and overlaps shown once, a piece that
// came early waits for the text before it, or for a catch-up read); onPromptEvent's events become
// the chat's events; and the sidebar's list pages, adds, renames and deletes through one reducer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../client/index.ts';
import { usageAfter, type Usage } from '../../web/src/chat/chat-view.tsx';
import { checkTitle } from '../../web/src/chat/conversations.tsx';
import { listReducer, emptyList, type ListState } from '../../web/src/chat/side-list.ts';
import { answerEventOf, nextPromptId, type PromptEvent, type PromptRequest } from '../../web/src/chat/source.ts';
import { place, turnsReducer, type Turn } from '../../web/src/chat/turns.ts';
import { problemOf } from '../../web/src/problem.ts';

const sent = turnsReducer([], { type: 'send', key: 'k', prompt: 'Hi', options: { model: 'm' }, idempotencyKey: 'i' });
const text = (turns: Turn[], piece: string, offset?: number) => turnsReducer(turns, { type: 'event', key: 'k', event: { kind: 'text', text: piece, offset } });

describe('an answer arriving in pieces', () => {
  it('is generating from the send, knows its prompt id once admitted, and is done with the result', () => {
    expect(sent[0]).toMatchObject({ state: 'generating', promptId: null, text: '', gap: false });
    let turns = turnsReducer(sent, { type: 'event', key: 'k', event: { kind: 'admitted', id: 'p1', conversationId: 'c1', contextTurns: 0 } });
    turns = text(text(turns, 'Hel', 0), 'lo', 3);
    expect(turns[0]).toMatchObject({ state: 'generating', promptId: 'p1', text: 'Hello' });
    const answer = { id: 'p1', model: 'm', status: 'COMPLETED' as const, queries: 1, balance: 2, usage: { inputTokens: 1, outputTokens: 2 }, createdAt: null };
    turns = turnsReducer(turns, { type: 'event', key: 'k', event: { kind: 'done', answer } });
    expect(turns[0]).toMatchObject({ state: 'done', answer, text: 'Hello' });
    // Nothing changes a finished answer.
    expect(text(turns, ' again', 5)[0]!.text).toBe('Hello');
  });

  it('shows a repeated or overlapping piece once, holds an early piece until the text reaches it, and takes a snapshot for what never came', () => {
    let turns = text(text(text(sent, 'Hello', 0), 'Hello', 0), 'lo, world', 3);
    expect(turns[0]).toMatchObject({ text: 'Hello, world', gap: false });
    turns = text(turns, 'more', 18);
    expect(turns[0]).toMatchObject({ text: 'Hello, world', gap: true, ahead: [{ offset: 18, text: 'more' }] });
    turns = text(turns, ', and ', 12);
    expect(turns[0]).toMatchObject({ text: 'Hello, world, and more', gap: false, ahead: [] });
    turns = text(turns, '!', 30);
    turns = turnsReducer(turns, { type: 'event', key: 'k', event: { kind: 'snapshot', text: 'Hello, world, and more, at las' } });
    expect(turns[0]).toMatchObject({ text: 'Hello, world, and more, at las!', gap: false });
    // An older snapshot than what is shown takes nothing away.
    expect(turnsReducer(turns, { type: 'event', key: 'k', event: { kind: 'snapshot', text: 'Hello' } })[0]!.text).toBe('Hello, world, and more, at las!');
  });

  it('puts any answer back together from its pieces, in any order, repeated or overlapping', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.array(fc.nat(12), { minLength: 1, maxLength: 20 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(12)), { maxLength: 10 }),
        fc.infiniteStream(fc.nat()),
        (answer, lengths, extras, order) => {
          // Pieces that cover the answer end to end, plus repeats and overlaps anywhere in it …
          const pieces: { offset: number; text: string }[] = [];
          for (let at = 0, i = 0; at < answer.length; i += 1) {
            const len = Math.max(1, lengths[i % lengths.length]!);
            pieces.push({ offset: at, text: answer.slice(at, at + len) });
            at += len;
          }
          for (const [start, len] of extras) if (answer.length > 0) pieces.push({ offset: start % answer.length, text: answer.slice(start % answer.length, (start % answer.length) + len) });
          // … delivered in a shuffled order.
          const shuffled = [...pieces];
          const next = order[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i -= 1) {
            const j = next.next().value! % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          let turns = sent;
          for (const p of shuffled) turns = text(turns, p.text, p.offset);
          expect(turns[0]).toMatchObject({ text: answer, gap: false, ahead: [] });
        },
      ),
    );
    expect(place('', [{ offset: 2, text: 'c' }])).toEqual({ text: '', ahead: [{ offset: 2, text: 'c' }] });
  });

  it('stops: what still arrives is dropped, and a retry starts again with the same idempotency key', () => {
    let turns = text(sent, 'Hel', 0);
    turns = turnsReducer(turns, { type: 'stop', key: 'k' });
    turns = text(turns, 'lo', 3);
    expect(turns[0]).toMatchObject({ state: 'stopped', text: 'Hel' });
    const failed = turnsReducer(sent, { type: 'fail', key: 'k', problem: problemOf(new Error('x')) });
    expect(turnsReducer(failed, { type: 'retry', key: 'k' })[0]).toMatchObject({ state: 'generating', text: '', problem: null, idempotencyKey: 'i', promptId: null });
  });
});

describe('a deleted prompt', () => {
  it('leaves the screen wherever it is shown, unless it is still being generated', () => {
    const record = { id: 'p1', prompt: 'Old', response: 'Answer', model: 'm', status: 'COMPLETED' as const, usage: null, createdAt: '2026-11-30T20:00:00.000Z' };
    let turns = turnsReducer(sent, { type: 'earlier', records: [record] });
    turns = turnsReducer(turns, { type: 'send', key: 'k2', prompt: 'Again', options: {}, idempotencyKey: 'i2' });
    turns = turnsReducer(turns, { type: 'event', key: 'k2', event: { kind: 'admitted', id: 'p1', conversationId: 'c1', contextTurns: 0 } });
    expect(turnsReducer(turns, { type: 'forget', promptId: 'p1' }).map((t) => t.key)).toEqual(['k', 'k2']);
    turns = turnsReducer(turns, { type: 'stop', key: 'k2' });
    expect(turnsReducer(turns, { type: 'forget', promptId: 'p1' }).map((t) => t.key)).toEqual(['k']);
  });
});

describe('onPromptEvent’s events in the chat', () => {
  const request: PromptRequest = { prompt: 'Hi', options: { model: 'us.amazon.nova-2-lite-v1:0' }, idempotencyKey: 'i', conversationId: null };
  const event = (e: Partial<PromptEvent>): PromptEvent => ({
    promptId: 'p1',
    userId: 'u1',
    seq: 0,
    kind: 'TEXT',
    text: null,
    offset: null,
    status: null,
    usage: null,
    queries: null,
    balance: null,
    errorType: null,
    message: null,
    retryable: null,
    retryAfterSeconds: null,
    ...e,
  });

  it('turns TEXT into a piece at its offset and DONE into the finished answer', () => {
    expect(answerEventOf(event({ text: 'Hel', offset: 0 }), request)).toEqual({ kind: 'text', text: 'Hel', offset: 0 });
    expect(answerEventOf(event({ seq: 2, kind: 'DONE', status: 'COMPLETED', usage: { inputTokens: 3, outputTokens: 5 }, queries: 1, balance: 2 }), request)).toEqual({
      kind: 'done',
      answer: { id: 'p1', model: 'us.amazon.nova-2-lite-v1:0', status: 'COMPLETED', queries: 1, balance: 2, usage: { inputTokens: 3, outputTokens: 5 }, createdAt: null },
    });
  });

  it('replaces everything shown, and anything still waiting, with the guardrail’s message when DONE says BLOCKED', () => {
    const done = answerEventOf(event({ seq: 3, kind: 'DONE', status: 'BLOCKED', text: 'Sorry, I cannot help with that.', offset: 0, usage: { inputTokens: 3, outputTokens: 0 }, queries: 1, balance: 2 }), request);
    expect(done).toMatchObject({ kind: 'done', replacement: 'Sorry, I cannot help with that.' });
    const shown = text(text(sent, 'Here is how to', 0), 'later piece', 40);
    expect(shown[0]).toMatchObject({ text: 'Here is how to', gap: true });
    const turns = turnsReducer(shown, { type: 'event', key: 'k', event: done });
    expect(turns[0]).toMatchObject({ state: 'done', text: 'Sorry, I cannot help with that.', ahead: [], gap: false });
    // A COMPLETED DONE carries no replacement: the text stays as it was written.
    expect(answerEventOf(event({ seq: 3, kind: 'DONE', status: 'COMPLETED', text: 'ignored' }), request)).not.toHaveProperty('replacement');
  });

  it('names each prompt sent from the page with a ULID that sorts after the one before, even on a clock that stands still', () => {
    const ids = [nextPromptId(1_000), nextPromptId(1_000), nextPromptId(999), nextPromptId(5_000)];
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(4);
  });

  it('throws ERROR as the error sendPrompt would have thrown, so Retry and the exhausted state work alike', () => {
    const thrown = (e: Partial<PromptEvent>) => {
      try {
        answerEventOf(event({ kind: 'ERROR', ...e }), request);
      } catch (error) {
        return error;
      }
      throw new Error('no error thrown');
    };
    const model = thrown({ errorType: 'ModelError', message: 'The model is busy.', retryable: true });
    expect(model).toBeInstanceOf(TollgateError);
    expect(problemOf(model)).toMatchObject({ errorType: 'ModelError', retryable: true, message: 'The model is busy.' });
    expect(problemOf(thrown({ errorType: 'RateLimited', message: 'Slow down.', retryAfterSeconds: 30 }), 0)).toMatchObject({ retryable: true, retryAt: 30_000 });
  });
});

describe('a sidebar list from a paged list query', () => {
  type Item = { id: string; title: string };
  const page = (ids: string[], nextToken: string | null = null) => ({ items: ids.map((id) => ({ id, title: id })), nextToken });
  const start: ListState<Item> = emptyList<Item>();

  it('replaces itself with the first page and appends later ones, each item once', () => {
    let list = listReducer(start, { type: 'page', page: page(['c', 'b'], 't1'), more: false });
    list = listReducer(list, { type: 'page', page: page(['b', 'a']), more: true });
    expect(list).toEqual({ items: page(['c', 'b', 'a']).items, nextToken: null, problem: '' });
    expect(listReducer(list, { type: 'page', page: page(['d']), more: false }).items).toEqual(page(['d']).items);
  });

  it('puts a new or just active item first, keeps a renamed one in its place, drops a deleted one, and keeps the list when a load fails', () => {
    let list = listReducer(start, { type: 'page', page: page(['c', 'b', 'a']), more: false });
    list = listReducer(list, { type: 'update', item: { id: 'a', title: 'Renamed' } });
    list = listReducer(list, { type: 'upsert', item: { id: 'b', title: 'Active' } });
    list = listReducer(list, { type: 'upsert', item: { id: 'n', title: 'New' } });
    list = listReducer(list, { type: 'remove', id: 'c' });
    expect(list.items).toEqual([{ id: 'n', title: 'New' }, { id: 'b', title: 'Active' }, { id: 'a', title: 'Renamed' }]);
    // An update of an item not (yet) listed adds nothing.
    expect(listReducer(list, { type: 'update', item: { id: 'z', title: 'z' } }).items).toEqual(list.items);
    expect(listReducer(list, { type: 'failed', message: 'offline' })).toEqual({ ...list, problem: 'offline' });
  });
});

describe('a conversation on screen', () => {
  const record = (n: number) => ({ id: `p${n}`, prompt: `Turn ${n}`, response: `Answer ${n}`, model: 'm', status: 'COMPLETED' as const, usage: null, createdAt: '2026-11-30T10:00:00.000Z', conversationId: 'c1' });

  it('opens with its newest turns, oldest first, and puts earlier ones above them, each once', () => {
    let turns = turnsReducer(sent, { type: 'open', records: [record(3), record(4)] });
    expect(turns.map((t) => t.prompt)).toEqual(['Turn 3', 'Turn 4']);
    expect(turns.every((t) => t.state === 'done' && t.fromHistory)).toBe(true);
    turns = turnsReducer(turns, { type: 'earlier', records: [record(1), record(2), record(3)] });
    expect(turns.map((t) => t.prompt)).toEqual(['Turn 1', 'Turn 2', 'Turn 3', 'Turn 4']);
    expect(turns[0]).toMatchObject({ promptId: 'p1', text: 'Answer 1' });
    expect(turnsReducer(turns, { type: 'open', records: [] })).toEqual([]);
  });

  it('takes a title of 1 to 200 characters (code points, blanks around it not counted)', () => {
    expect(checkTitle('  ')).toBe('A title needs at least one character.');
    expect(checkTitle('é'.repeat(200))).toBe('');
    expect(checkTitle(` ${'🙂'.repeat(200)} `)).toBe('');
    expect(checkTitle('x'.repeat(201))).toBe('A title has at most 200 characters; this one has 201.');
  });
});

describe('the usage meter after an answer', () => {
  const usage: Usage = { day: '2026-11-30', queries: 1, limit: 3, balance: 2, resetsAt: '2026-12-01T00:00:00.000Z', inputTokens: 10, outputTokens: 20, tokenLimit: 1000 };
  const answer = { id: 'p', model: 'm', status: 'COMPLETED' as const, queries: 2, balance: 1, usage: { inputTokens: 3, outputTokens: 5 }, createdAt: null };
  const before = Date.parse('2026-11-30T12:00:00.000Z');

  it('counts from what the answer’s end reported: prompts used and left, and its tokens added', () => {
    expect(usageAfter(usage, answer, before)).toEqual({ ...usage, queries: 2, balance: 1, inputTokens: 13, outputTokens: 25 });
  });

  it('reads myUsage instead when it has none yet, or when the day turned since', () => {
    expect(usageAfter(null, answer, before)).toBeNull();
    expect(usageAfter(usage, answer, Date.parse(usage.resetsAt))).toBeNull();
  });
});
