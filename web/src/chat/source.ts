// Where an answer comes from. The chat consumes a stream of AnswerEvents and does not care how
// they are produced: the streaming source (streamingSource below: subscribe to onPromptEvent on
// a prompt id the page chooses, then startPrompt, then the events as the model writes, with a
// catch-up from prompt(id) when the socket drops) is the page's; the blocking sendPrompt gives
// the whole answer as one text event, and answers instead when the real-time endpoint cannot be
// reached (a proxy or network that refuses WebSockets), so the chat still works there.
import { newPromptId, OnPromptEventDocument, operationText, TollgateError, type OnPromptEventSubscription, type PromptOptions, type PromptStatus } from '../../../client/index.ts';
import { RealtimeClient, SubscriptionError } from '../api/realtime.ts';
import { realtimeUrlFor } from '../config.ts';
import type { Session } from '../session.ts';

export interface PromptRequest {
  prompt: string;
  options: PromptOptions;
  /** The same key for a retry of the same prompt, so a prompt the API did run is not charged twice. */
  idempotencyKey: string;
  /** The conversation it goes into (the model reads its earlier turns), or null to start a new one. */
  conversationId: string | null;
}

/** How a prompt ended, as the API reports it (sendPrompt's result, or a stream's DONE event). */
export interface FinishedAnswer {
  id: string;
  model: string;
  status: PromptStatus;
  queries: number;
  balance: number;
  usage: { inputTokens: number; outputTokens: number };
  createdAt: string | null;
}

export type AnswerEvent =
  /**
   * The API admitted the prompt (a streaming source knows its id before any text), into this
   * conversation (a new one when the request named none) with this many earlier turns as context.
   */
  | { kind: 'admitted'; id: string; conversationId: string; contextTurns: number }
  /**
   * The prompt went blocking (no real-time endpoint) with a lower maxTokens than asked for: a
   * non-streamed answer allows no more than `maxTokens` (the stack's MAX_OUTPUT_TOKENS).
   */
  | { kind: 'capped'; maxTokens: number; asked: number }
  /** The next piece of the answer: at `offset` in the whole answer when known, else after what came before. */
  | { kind: 'text'; text: string; offset?: number }
  /** The whole answer so far, from a catch-up read after a reconnect: it fills any gap. */
  | { kind: 'snapshot'; text: string }
  /**
   * The end. `replacement` (a guardrail's BLOCKED message) replaces all the text shown so far:
   * what the model wrote before the guardrail stepped in must not stay on screen.
   */
  | { kind: 'done'; answer: FinishedAnswer; replacement?: string };

/** One onPromptEvent as the subscription delivers it. */
export type PromptEvent = NonNullable<OnPromptEventSubscription['onPromptEvent']>;

/**
 * A streamed prompt's event as the chat's AnswerEvent: TEXT a piece at its offset, DONE the end
 * (the event does not carry the model or the time, so they come from the request), ERROR thrown
 * as the TollgateError a blocking sendPrompt would have thrown, so Retry and the exhausted state
 * work the same for both sources.
 */
export function answerEventOf(event: PromptEvent, request: PromptRequest): AnswerEvent {
  switch (event.kind) {
    case 'TEXT':
      return { kind: 'text', text: event.text ?? '', offset: event.offset ?? undefined };
    case 'DONE':
      return {
        kind: 'done',
        answer: {
          id: event.promptId,
          model: request.options.model ?? '',
          status: event.status ?? 'COMPLETED',
          queries: event.queries ?? 0,
          balance: event.balance ?? 0,
          usage: event.usage ?? { inputTokens: 0, outputTokens: 0 },
          createdAt: null,
        },
        ...(event.status === 'BLOCKED' && event.text != null ? { replacement: event.text } : {}),
      };
    case 'ERROR': {
      const errorInfo: Record<string, unknown> = {};
      if (event.retryable !== null) errorInfo.retryable = event.retryable;
      if (event.retryAfterSeconds !== null) errorInfo.retryAfterSeconds = event.retryAfterSeconds;
      throw TollgateError.fromResponse(200, [{ message: event.message ?? 'The prompt failed.', errorType: event.errorType ?? 'InternalError', errorInfo }]);
    }
  }
}

export interface AnswerSource {
  /** Yields the answer's events; throws a TollgateError when the API refuses or fails. Stops when signal aborts. */
  ask(request: PromptRequest, signal: AbortSignal): AsyncIterable<AnswerEvent>;
}

// Printed by the SDK: importing graphql here would put the whole of graphql that GraphiQL uses
// into the chat's first load (web/build.ts, sdkPrinterOnly).
const ON_PROMPT_EVENT = operationText(OnPromptEventDocument);

/** A subscription's end as the SDK's error, so problemOf reads it like any other API error. */
function fromSubscriptionError(error: unknown, realtimeUrl: string): unknown {
  if (!(error instanceof SubscriptionError)) return error;
  if (error.errorType === 'NetworkError') return new TollgateError(error.message, 'NetworkError', { url: realtimeUrl, code: null }, 0, error.errors);
  return TollgateError.fromResponse(200, error.errors.map((e) => ({ message: e.message, errorType: e.errorType ?? null })));
}

/**
 * One prompt's events from onPromptEvent, as the chat's AnswerEvents, until DONE (or ERROR,
 * thrown): TEXT as it comes (its offset puts it in place whatever the order), DONE and ERROR only
 * once every event before them (by seq) has arrived, so the answer is whole when it ends; a
 * repeated event is dropped. An abort of `signal` (Stop) ends the subscription. Events published
 * before `onStarted` are not delivered: a streaming source subscribes before it starts the prompt,
 * or reads what it missed.
 */
export async function* promptEvents(
  realtime: Pick<RealtimeClient, 'subscribe'>,
  realtimeUrl: string,
  token: string,
  promptId: string,
  request: PromptRequest,
  signal: AbortSignal,
  hooks: { onStarted?: () => void } = {},
): AsyncGenerator<AnswerEvent> {
  const stream = realtime.subscribe({ query: ON_PROMPT_EVENT, variables: { promptId } }, { Authorization: `Bearer ${token}` }, hooks);
  const stop = () => void stream.return?.();
  signal.addEventListener('abort', stop, { once: true });
  const seen = new Set<number>();
  let last: PromptEvent | null = null;
  const whole = () => last !== null && Array.from({ length: last.seq }, (_, i) => i).every((i) => seen.has(i));
  try {
    for await (const result of stream) {
      if (result.errors?.length) throw new SubscriptionError(result.errors);
      const event = (result.data as OnPromptEventSubscription | null | undefined)?.onPromptEvent;
      if (!event || seen.has(event.seq)) continue;
      seen.add(event.seq);
      if (event.kind === 'TEXT') yield answerEventOf(event, request);
      else last = event;
      if (whole()) {
        yield answerEventOf(last!, request); // DONE; ERROR throws
        return;
      }
    }
  } catch (error) {
    throw fromSubscriptionError(error, realtimeUrl);
  } finally {
    signal.removeEventListener('abort', stop);
    await stream.return?.();
  }
}

/** The abort as the SDK reports it, so the chat can tell "you stopped it" from a network failure. */
export function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (error instanceof TollgateError ? error.is('NetworkError') : true);
}

/** sendPrompt: one request, the whole answer at once. */
export function blockingSource(session: Session): AnswerSource {
  return {
    async *ask(request, signal) {
      const result = await session.clientFor(signal).sendPrompt(request.prompt, request.options, request.idempotencyKey, request.conversationId ?? undefined);
      yield { kind: 'admitted', id: result.id, conversationId: result.conversationId, contextTurns: result.contextTurns };
      yield { kind: 'text', text: result.response };
      yield {
        kind: 'done',
        answer: {
          id: result.id,
          model: result.model,
          status: result.status,
          queries: result.queries,
          balance: result.balance,
          usage: result.usage,
          createdAt: result.createdAt,
        },
      };
    },
  };
}

/**
 * A request as sendPrompt takes it: a maxTokens chosen for a streamed answer (up to
 * STREAM_MAX_OUTPUT_TOKENS) lowered to the blocking bound, and the event that says so, so the
 * person sees the answer was asked with less room than they chose rather than a bare refusal.
 */
export function withinBlockingBound(request: PromptRequest, maxOutputTokens: number): { request: PromptRequest; capped: Extract<AnswerEvent, { kind: 'capped' }> | null } {
  const asked = request.options.maxTokens;
  if (asked == null || asked <= maxOutputTokens) return { request, capped: null };
  return { request: { ...request, options: { ...request.options, maxTokens: maxOutputTokens } }, capped: { kind: 'capped', maxTokens: maxOutputTokens, asked } };
}

type Started = Awaited<ReturnType<ReturnType<Session['clientFor']>['startPrompt']>>;

/** How long a stream may stay quiet before the page asks prompt(id) whether it ended (the SDK's streamIdleMs). */
export const STREAM_IDLE_MS = 30_000;
/** How often a catch-up reads prompt(id) while the prompt is still STREAMING. */
export const CATCH_UP_INTERVAL_MS = 1000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * The rest of a prompt from its log, prompt(id): the answer so far as a snapshot while it is
 * STREAMING (read again every second), then its end. A FAILED or TIMED_OUT prompt is the
 * retryable ModelError the stream's ERROR would have been.
 */
async function* caughtUp(session: Session, promptId: string, request: PromptRequest, counts: { queries: number; balance: number }, signal: AbortSignal): AsyncGenerator<AnswerEvent> {
  for (;;) {
    const record = await session.clientFor(signal).prompt(promptId);
    if (record.status === 'STREAMING') {
      if (record.response) yield { kind: 'snapshot', text: record.response };
      await sleep(CATCH_UP_INTERVAL_MS, signal);
      if (signal.aborted) return;
      continue;
    }
    if (record.status === 'FAILED' || record.status === 'TIMED_OUT') {
      throw new TollgateError(`The model could not finish this answer (${record.status === 'FAILED' ? 'it failed' : 'it timed out'}).`, 'ModelError', { retryable: true }, 200, []);
    }
    const answer: FinishedAnswer = { id: record.id, model: record.model || request.options.model || '', status: record.status, ...counts, usage: record.usage ?? { inputTokens: 0, outputTokens: 0 }, createdAt: record.createdAt };
    if (record.status === 'BLOCKED') {
      yield { kind: 'done', answer, replacement: record.response ?? '' };
      return;
    }
    yield { kind: 'snapshot', text: record.response ?? '' };
    yield { kind: 'done', answer };
    return;
  }
}

let lastIdMs = 0;
/**
 * A new prompt id (a ULID) whose time part grows with each prompt sent from this page, even when
 * the clock stands still or steps back: the history lists prompts by id, so they stay in the order
 * they were sent (and the browser tests' fixed clock gives the same picture every run).
 */
export function nextPromptId(now = Date.now()): string {
  lastIdMs = Math.max(now, lastIdMs + 1);
  return newPromptId(lastIdMs);
}

/**
 * startPrompt and onPromptEvent: subscribes on the page's real-time client to an id it chose
 * (a ULID) and starts the prompt once AppSync acknowledged the subscription, so no text is
 * lost to a race; then yields the text as it comes. When the socket drops after the start, or
 * the stream stays quiet for STREAM_IDLE_MS, or startPrompt answers with a prompt that already
 * ended (a retry after the end), the rest comes from prompt(id). When the real-time endpoint
 * cannot be reached before anything was started, the prompt is asked blocking (sendPrompt with
 * the same idempotency key), so the person still gets an answer, whole.
 *
 * Stop (the signal) ends the subscription only: the generation goes on in the stream function
 * and is charged as it settles (README, "Streaming answers").
 */
export function streamingSource(session: Session, realtime: Pick<RealtimeClient, 'subscribe'>, realtimeUrl: string, fallback: AnswerSource = blockingSource(session)): AnswerSource {
  return {
    async *ask(request, signal) {
      const token = session.token;
      if (!token) throw new TollgateError('Log in first.', 'Unauthorized', null, 401, []);
      const promptId = nextPromptId();
      // Set at start_ack (a callback, hence an object rather than a narrowed local).
      const begun: { start?: Promise<Started> } = {};
      let announce: (start: Promise<Started>) => void = () => undefined;
      // Settles with startPrompt's answer (or refusal) as soon as it comes, waking the loop below.
      const started = new Promise<Started>((resolve, reject) => (announce = (start) => void start.then(resolve, reject)));
      // Ends the subscription when Stop is pressed or when this source is done with it.
      const subscription = new AbortController();
      const stop = () => subscription.abort();
      signal.addEventListener('abort', stop, { once: true });
      const events = promptEvents(realtime, realtimeUrl, token, promptId, request, subscription.signal, {
        onStarted: () => {
          if (begun.start) return;
          begun.start = session.clientFor(signal).startPrompt(request.prompt, request.options, { promptId, conversationId: request.conversationId ?? undefined });
          begun.start.catch(() => undefined); // read below; this only keeps an early refusal from being "unhandled"
          announce(begun.start);
        },
      });
      let counts = { queries: 0, balance: 0 };
      let admitted = false;
      type Woke = { kind: 'event'; result: IteratorResult<AnswerEvent> } | { kind: 'started' } | { kind: 'quiet' };
      // Each is made once and raced as often as needed, so a loser that fails later is still handled.
      const startedWoke: Promise<Woke> = started.then(() => ({ kind: 'started' }));
      let nextWoke: Promise<Woke> = events.next().then((result) => ({ kind: 'event', result }));
      try {
        for (;;) {
          let quiet: ReturnType<typeof setTimeout> | undefined;
          const waits: Promise<Woke>[] = [nextWoke, new Promise((resolve) => (quiet = setTimeout(() => resolve({ kind: 'quiet' }), STREAM_IDLE_MS)))];
          if (!admitted) waits.push(startedWoke);
          let woke;
          try {
            woke = await Promise.race(waits);
          } finally {
            clearTimeout(quiet);
          }
          if (signal.aborted) return;
          if (woke.kind === 'started') {
            const answer = await started;
            admitted = true;
            counts = { queries: answer.queries, balance: answer.balance };
            yield { kind: 'admitted', id: answer.id, conversationId: answer.conversationId, contextTurns: answer.contextTurns };
            if (answer.status) {
              // A retry of a prompt that already ended: its answer is in the log, no event will come.
              yield* caughtUp(session, promptId, request, counts, signal);
              return;
            }
            continue;
          }
          if (woke.kind === 'quiet') {
            if (!admitted) continue;
            const record = await session.clientFor(signal).prompt(promptId);
            if (record.status === 'STREAMING') continue;
            yield* caughtUp(session, promptId, request, counts, signal);
            return;
          }
          if (woke.result.done) return;
          if (woke.result.value.kind === 'done' && !admitted) {
            // The whole answer came before startPrompt's own answer: the admission (which
            // conversation the prompt went into) still comes first.
            const answer = await started;
            admitted = true;
            yield { kind: 'admitted', id: answer.id, conversationId: answer.conversationId, contextTurns: answer.contextTurns };
          }
          yield woke.result.value;
          if (woke.result.value.kind === 'done') return;
          nextWoke = events.next().then((result) => ({ kind: 'event', result }));
        }
      } catch (error) {
        if (signal.aborted) throw error;
        const dropped = error instanceof TollgateError && error.is('NetworkError');
        if (dropped && !begun.start) {
          // Never started: nothing was charged, so asking blocking is safe, within its own bound.
          const blocking = withinBlockingBound(request, session.config.limits.maxOutputTokens);
          if (blocking.capped) yield blocking.capped;
          yield* fallback.ask(blocking.request, signal);
          return;
        }
        if (dropped) {
          // Started, then the socket went: make sure the start itself went through, then read the rest.
          const answer = await started;
          if (!admitted) {
            counts = { queries: answer.queries, balance: answer.balance };
            yield { kind: 'admitted', id: answer.id, conversationId: answer.conversationId, contextTurns: answer.contextTurns };
          }
          yield* caughtUp(session, promptId, request, counts, signal);
          return;
        }
        throw error;
      } finally {
        signal.removeEventListener('abort', stop);
        subscription.abort();
        await events.return(undefined);
      }
    },
  };
}

/**
 * The source the chat uses: streaming where the browser has WebSockets, blocking otherwise. One
 * real-time client (one socket per token) serves every prompt of the session. `streams` says
 * which, for the bounds a prompt's options must keep (a streamed prompt may ask for more tokens).
 */
export function chooseSource(session: Session): AnswerSource & { close(): void; streams: boolean } {
  if (typeof WebSocket === 'undefined') return { ...blockingSource(session), close: () => undefined, streams: false };
  const realtimeUrl = session.config.realtimeUrl ?? realtimeUrlFor(session.graphqlUrl);
  const realtime = new RealtimeClient({ graphqlUrl: session.graphqlUrl, realtimeUrl });
  return { ...streamingSource(session, realtime, realtimeUrl), close: () => realtime.close(), streams: true };
}
