// Where an answer comes from. The chat consumes a stream of AnswerEvents and does not care how
// they are produced: today the blocking sendPrompt gives the whole answer as one text event; a
// streaming source (a mutation that starts the prompt, then the onPromptEvent subscription over
// ../api/realtime.ts: promptEvents below) yields the same events as the model writes, and
// replaces it in one place (chooseSource below). The API on this branch has onPromptEvent but no
// mutation that starts a streamed prompt yet (issue 15's second half), so chooseSource gives the
// blocking source.
import { OnPromptEventDocument, operationText, TollgateError, type OnPromptEventSubscription, type PromptOptions, type PromptStatus } from '../../../client/index.ts';
import { SubscriptionError, type RealtimeClient } from '../api/realtime.ts';
import type { Session } from '../session.ts';

export interface PromptRequest {
  prompt: string;
  options: PromptOptions;
  /** The same key for a retry of the same prompt, so a prompt the API did run is not charged twice. */
  idempotencyKey: string;
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
  /** The API admitted the prompt (a streaming source knows its id before any text). */
  | { kind: 'admitted'; id: string }
  /** The next piece of the answer: at `offset` in the whole answer when known, else after what came before. */
  | { kind: 'text'; text: string; offset?: number }
  /** The whole answer so far, from a catch-up read after a reconnect: it fills any gap. */
  | { kind: 'snapshot'; text: string }
  | { kind: 'done'; answer: FinishedAnswer };

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
  realtime: RealtimeClient,
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
      const result = await session.clientFor(signal).sendPrompt(request.prompt, request.options, request.idempotencyKey);
      yield { kind: 'admitted', id: result.id };
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

/** The source the chat uses. Streaming (issue 15's second half) plugs in here. */
export function chooseSource(session: Session): AnswerSource {
  return blockingSource(session);
}
