// The chat's pure navigation parts: which conversation the URL names (and that the API view's
// route still works), where the focus goes when a conversation is deleted, how long ago a
// conversation was last active, and a turn that was sent with fewer tokens than chosen.
import { describe, expect, it } from 'vitest';
import { focusAfterDelete } from '../../web/src/chat/side-list.ts';
import { turnsReducer } from '../../web/src/chat/turns.ts';
import { hrefOf, parseRoute } from '../../web/src/route.ts';
import { sinceLocal } from '../../web/src/time.ts';

const ID = '01KB2J6F8W6X0T6Q6K3J8N5V7R';

describe('the URL of the page', () => {
  it('names the API view, a new conversation or one conversation, and reads back what it wrote', () => {
    expect(parseRoute('#/api')).toEqual({ view: 'api' });
    expect(parseRoute('#/chat')).toEqual({ view: 'chat', conversationId: null });
    expect(parseRoute(`#/chat/${ID}`)).toEqual({ view: 'chat', conversationId: ID });
    for (const route of [{ view: 'api' as const }, { view: 'chat' as const, conversationId: null }, { view: 'chat' as const, conversationId: ID }]) {
      expect(parseRoute(hrefOf(route))).toEqual(route);
    }
    expect(hrefOf({ view: 'chat', conversationId: ID })).toBe(`#/chat/${ID}`);
  });

  it('opens the chat on a new conversation for an empty or unknown hash, and for a segment no id can be', () => {
    for (const hash of ['', '#', '#/', '#/nowhere', '#/api/more', '#/chat/', `#/chat/${ID}/more`, '#/chat/a%20b', '#/chat/%3Cscript%3E', `#/chat/${'x'.repeat(65)}`]) {
      expect(parseRoute(hash), hash).toEqual({ view: 'chat', conversationId: null });
    }
  });
});

describe('the focus after a delete', () => {
  it('goes to the next entry, else the one before, else out of the list', () => {
    expect(focusAfterDelete(['a', 'b', 'c'], 'a')).toBe('b');
    expect(focusAfterDelete(['a', 'b', 'c'], 'b')).toBe('c');
    expect(focusAfterDelete(['a', 'b', 'c'], 'c')).toBe('b');
    expect(focusAfterDelete(['a'], 'a')).toBeNull();
    expect(focusAfterDelete(['a', 'b'], 'gone')).toBeNull();
  });
});

describe('when a conversation was last active', () => {
  const NOW = Date.UTC(2026, 10, 30, 20, 48, 0); // 21:48 in Berlin, a Monday
  const at = (iso: string) => sinceLocal(iso, { now: NOW, locale: 'en-GB', timeZone: 'Europe/Berlin' });

  it('says it relative to now while it is recent, with the whole local time beside it', () => {
    // (ICU versions differ on the comma after the weekday.)
    expect(at('2026-11-30T20:47:40.000Z')).toEqual({ text: 'just now', full: expect.stringMatching(/^Monday,? 30 November 2026 at 21:47$/) });
    expect(at('2026-11-30T20:49:00.000Z').text).toBe('just now'); // the API's clock a little ahead
    expect(at('2026-11-30T20:47:00.000Z').text).toBe('1 min ago');
    expect(at('2026-11-30T20:47:25.000Z').text).toBe('1 min ago'); // 35 s
    expect(at('2026-11-30T17:48:10.000Z').text).toBe('3 hr ago'); // 2 h 59 min 50 s
    expect(at('2026-11-30T20:43:00.000Z').text).toBe('5 min ago');
    expect(at('2026-11-30T19:48:00.000Z').text).toBe('1 hr ago');
    expect(at('2026-11-30T17:40:00.000Z').text).toBe('3 hr ago');
    // 00:30 in Berlin today, 21 hours ago: still today.
    expect(at('2026-11-29T23:30:00.000Z').text).toBe('21 hr ago');
  });

  it('says yesterday for the reader’s yesterday, then the weekday and the date', () => {
    expect(at('2026-11-29T22:59:00.000Z')).toEqual({ text: 'yesterday', full: expect.stringMatching(/^Sunday,? 29 November 2026 at 23:59$/) });
    expect(at('2026-11-29T00:30:00.000Z').text).toBe('yesterday'); // 01:30 on Sunday in Berlin
    expect(at('2026-11-28T22:30:00.000Z').text).toBe('Sat 23:30'); // the day before yesterday
    expect(at('2026-11-20T10:00:00.000Z').text).toBe('20 Nov 2026');
    expect(at('not a time')).toEqual({ text: 'not a time', full: 'not a time' });
  });
});

describe('a turn sent with fewer tokens than chosen', () => {
  it('keeps the bound it was sent with and the choice, until it is retried', () => {
    let turns = turnsReducer([], { type: 'send', key: 'k', prompt: 'Hi', options: { maxTokens: 2000 }, idempotencyKey: 'i' });
    turns = turnsReducer(turns, { type: 'event', key: 'k', event: { kind: 'capped', maxTokens: 1024, asked: 2000 } });
    expect(turns[0]!.capped).toEqual({ maxTokens: 1024, asked: 2000 });
    turns = turnsReducer(turns, { type: 'fail', key: 'k', problem: { message: 'x', retryable: true, retryAt: null, field: null, exhausted: null, signedOut: false, errorType: 'ModelError' } });
    expect(turnsReducer(turns, { type: 'retry', key: 'k' })[0]!.capped).toBeNull();
  });
});
