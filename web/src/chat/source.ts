// Where an answer comes from. The chat consumes a stream of AnswerEvents and does not care how
// they are produced: today the blocking sendPrompt gives the whole answer as one text event; a
// streaming source (a startPrompt mutation, then the onPromptEvent subscription over
// ../api/realtime.ts) yields the same events as the model writes, and replaces it in one place
// (chooseSource below).
import { TollgateError, type PromptOptions, type PromptStatus } from '../../../client/index.ts';
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
  /** The next piece of the answer, appended to what came before. */
  | { kind: 'text'; text: string }
  | { kind: 'done'; answer: FinishedAnswer };

export interface AnswerSource {
  /** Yields the answer's events; throws a TollgateError when the API refuses or fails. Stops when signal aborts. */
  ask(request: PromptRequest, signal: AbortSignal): AsyncIterable<AnswerEvent>;
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

/** The source the chat uses. Streaming (issue 15) plugs in here. */
export function chooseSource(session: Session): AnswerSource {
  return blockingSource(session);
}
