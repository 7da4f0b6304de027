// The chat's streaming source (web/src/chat/source.ts) where timing decides, on a fake clock with
// a scripted real-time subscription and the API's answers over a fake fetch: when the stream goes
// quiet, after STREAM_IDLE_MS with no event the page asks prompt(id) whether the prompt ended —
// not a moment before; while it is still written it waits on the stream again, once it ended the
// rest comes from the log. When the whole answer arrives before startPrompt's own answer, the
// admission (the conversation the prompt went into) still comes before the end. When the
// real-time endpoint cannot be reached, the prompt goes blocking within the blocking bound.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SubscriptionError, type SubscriptionResult } from '../../web/src/api/realtime.ts';
import { STREAM_IDLE_MS, streamingSource, type AnswerEvent, type AnswerSource, type PromptRequest } from '../../web/src/chat/source.ts';
import { Session } from '../../web/src/session.ts';

const GRAPHQL = 'https://api.example.test/graphql';
const PROMPT_ID_SHAPE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A subscription that is acknowledged (start_ack), delivers `events`, and then stays silent until it is ended. */
function silentRealtime(events: Record<string, unknown>[] = []) {
  let ended = false;
  return {
    get ended() {
      return ended;
    },
    subscribe(_request: unknown, _credentials: unknown, hooks: { onStarted?: () => void } = {}): AsyncIterableIterator<SubscriptionResult> {
      let release: (() => void) | null = null;
      queueMicrotask(() => hooks.onStarted?.());
      const queue = [...events];
      const iterator: AsyncIterableIterator<SubscriptionResult> = {
        next: () => {
          const event = queue.shift();
          if (event && !ended) return Promise.resolve({ done: false, value: { data: { onPromptEvent: event } } });
          return ended ? Promise.resolve({ done: true, value: undefined }) : new Promise((resolve) => (release = () => resolve({ done: true, value: undefined })));
        },
        return: () => {
          ended = true;
          release?.();
          return Promise.resolve({ done: true, value: undefined });
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },
  };
}

type Answer = Record<string, unknown>;

/**
 * The API over fetch: startPrompt admits (after `admitAfterMs`), prompt(id) answers from `log`
 * (what the test says the log holds now).
 */
function fakeApi(log: { status: string; response: string | null }, admitAfterMs = 0) {
  const calls: string[] = [];
  const fetchStub = vi.fn(async (_url: unknown, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { operationName: string; variables: { promptId?: string; id?: string } };
    calls.push(body.operationName);
    let data: Answer;
    if (body.operationName === 'StartPrompt') {
      if (admitAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, admitAfterMs));
      data = { startPrompt: { id: body.variables.promptId, model: 'm', queries: 1, balance: 2, createdAt: '2026-11-30T10:00:00.000Z', status: null, conversationId: 'c1', contextTurns: 0 } };
    } else if (body.operationName === 'Prompt') {
      data = {
        prompt: {
          id: body.variables.id,
          prompt: 'Hi',
          response: log.response,
          model: 'm',
          status: log.status,
          usage: log.status === 'STREAMING' ? null : { inputTokens: 3, outputTokens: 5 },
          createdAt: '2026-11-30T10:00:00.000Z',
          conversationId: 'c1',
          seq: 1,
        },
      };
    } else throw new Error(`unexpected ${body.operationName}`);
    return new Response(JSON.stringify({ data }), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return { calls, fetchStub };
}

function signedIn(): Session {
  const items = new Map<string, string>();
  const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
  const session = new Session(
    { stackName: 't', graphqlUrl: GRAPHQL, apiKey: 'k', limits: { maxPromptChars: 4000, maxOutputTokens: 1024, streamMaxOutputTokens: 4096, temperature: { min: 0, max: 1 } }, apiViewCss: '' },
    storage,
    GRAPHQL
  );
  session.signIn({ token: 'a.b.c', email: 'a@example.com', expiresAt: '2026-12-01T00:00:00.000Z' });
  return session;
}

describe('a streamed answer whose stream goes quiet', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('asks prompt(id) only after the quiet time, waits on the stream again while the answer is still written, and ends with the logged answer', async () => {
    const log = { status: 'STREAMING', response: 'Hel' as string | null };
    const { calls, fetchStub } = fakeApi(log);
    vi.stubGlobal('fetch', fetchStub);
    const realtime = silentRealtime();
    const source = streamingSource(signedIn(), realtime, 'wss://api.example.test/graphql/realtime');

    const events: AnswerEvent[] = [];
    let finished = false;
    const reading = (async () => {
      for await (const event of source.ask({ prompt: 'Hi', options: {}, idempotencyKey: 'k', conversationId: null }, new AbortController().signal)) events.push(event);
      finished = true;
    })();

    await vi.advanceTimersByTimeAsync(STREAM_IDLE_MS - 1);
    expect(events).toEqual([{ kind: 'admitted', id: expect.stringMatching(PROMPT_ID_SHAPE), conversationId: 'c1', contextTurns: 0 }]);
    expect(calls).toEqual(['StartPrompt']);

    // Quiet for STREAM_IDLE_MS: the log says it is still being written, so the page waits on the stream.
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['StartPrompt', 'Prompt']);
    expect(events).toHaveLength(1);

    // Quiet again, and by now the log has it whole: the rest comes from there.
    log.status = 'COMPLETED';
    log.response = 'Hello';
    await vi.advanceTimersByTimeAsync(STREAM_IDLE_MS - 1);
    expect(calls).toEqual(['StartPrompt', 'Prompt']);
    await vi.advanceTimersByTimeAsync(1);
    await reading;
    expect(finished).toBe(true);
    expect(calls).toEqual(['StartPrompt', 'Prompt', 'Prompt', 'Prompt']);
    expect(events.slice(1)).toEqual([
      { kind: 'snapshot', text: 'Hello' },
      { kind: 'done', answer: expect.objectContaining({ status: 'COMPLETED', queries: 1, balance: 2, usage: { inputTokens: 3, outputTokens: 5 } }) },
    ]);
    // The subscription was ended once the answer came from the log.
    expect(realtime.ended).toBe(true);
  });
});

describe('a streamed answer that arrives before its admission', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('yields the admission, with its conversation, before the end', async () => {
    const { fetchStub } = fakeApi({ status: 'COMPLETED', response: 'Hi!' }, 500);
    vi.stubGlobal('fetch', fetchStub);
    const stream = [
      { promptId: 'p', userId: 'u', seq: 0, kind: 'TEXT', text: 'Hi!', offset: 0, status: null, usage: null, queries: null, balance: null, errorType: null, message: null, retryable: null, retryAfterSeconds: null },
      { promptId: 'p', userId: 'u', seq: 1, kind: 'DONE', text: null, offset: null, status: 'COMPLETED', usage: { inputTokens: 1, outputTokens: 1 }, queries: 1, balance: 2, errorType: null, message: null, retryable: null, retryAfterSeconds: null },
    ];
    const source = streamingSource(signedIn(), silentRealtime(stream), 'wss://api.example.test/graphql/realtime');
    const events: AnswerEvent[] = [];
    const reading = (async () => {
      for await (const event of source.ask({ prompt: 'Hi', options: {}, idempotencyKey: 'k', conversationId: null }, new AbortController().signal)) events.push(event);
    })();
    await vi.advanceTimersByTimeAsync(499);
    expect(events.map((e) => e.kind)).toEqual(['text']);
    await vi.advanceTimersByTimeAsync(1);
    await reading;
    expect(events.map((e) => e.kind)).toEqual(['text', 'admitted', 'done']);
    expect(events[1]).toMatchObject({ conversationId: 'c1', contextTurns: 0 });
  });
});

describe('a prompt whose real-time endpoint cannot be reached', () => {
  /** A subscription that fails before it is acknowledged, as a socket a proxy refuses does. */
  const unreachable = {
    subscribe(): AsyncIterableIterator<SubscriptionResult> {
      const iterator: AsyncIterableIterator<SubscriptionResult> = {
        next: () => Promise.reject(new SubscriptionError([{ message: 'The real-time endpoint could not be reached.', errorType: 'NetworkError' }])),
        return: () => Promise.resolve({ done: true, value: undefined }),
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },
  };
  /** A blocking source that records what it was asked. */
  function recordingFallback() {
    const asked: PromptRequest[] = [];
    const source: AnswerSource = {
      async *ask(request) {
        asked.push(request);
        yield { kind: 'text', text: 'Whole answer' };
      },
    };
    return { asked, source };
  }
  const ask = async (source: AnswerSource, maxTokens?: number) => {
    const events: AnswerEvent[] = [];
    const options = maxTokens === undefined ? { model: 'm' } : { model: 'm', maxTokens };
    for await (const event of source.ask({ prompt: 'Hi', options, idempotencyKey: 'k', conversationId: 'c1' }, new AbortController().signal)) events.push(event);
    return events;
  };

  it('asks blocking with the blocking bound when more tokens were chosen, and says so before the answer', async () => {
    const fallback = recordingFallback();
    const events = await ask(streamingSource(signedIn(), unreachable, 'wss://api.example.test/graphql/realtime', fallback.source), 2000);
    expect(fallback.asked).toEqual([{ prompt: 'Hi', options: { model: 'm', maxTokens: 1024 }, idempotencyKey: 'k', conversationId: 'c1' }]);
    expect(events).toEqual([
      { kind: 'capped', maxTokens: 1024, asked: 2000 },
      { kind: 'text', text: 'Whole answer' },
    ]);
  });

  it('asks blocking unchanged when the chosen maxTokens is within the bound, or none was chosen', async () => {
    for (const maxTokens of [1024, undefined]) {
      const fallback = recordingFallback();
      const events = await ask(streamingSource(signedIn(), unreachable, 'wss://api.example.test/graphql/realtime', fallback.source), maxTokens);
      expect(fallback.asked[0]!.options).toEqual(maxTokens === undefined ? { model: 'm' } : { model: 'm', maxTokens });
      expect(events.map((e) => e.kind)).toEqual(['text']);
    }
  });
});
