// The typed Tollgate SDK: generated operation types plus a small fetch-based client that sends
// the API key for register/login and the user's token for everything else.
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import * as ops from './generated/operations.ts';
import { newPromptId, realtimeUrlOf, Sequencer, subscribePrompt, type PromptStreamEvent, type WebSocketConstructor } from './stream.ts';

export * from './generated/operations.ts';
export { newPromptId, realtimeUrlOf, type PromptStreamEvent, type WebSocketConstructor } from './stream.ts';

/** Operations that use the API key (everything else needs a token). */
const PUBLIC_OPERATIONS = new Set(['Register', 'Login']);

export interface ClientOptions {
  url: string;
  apiKey?: string;
  token?: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Give up on a request after this long (a NetworkError with code ETIMEDOUT); no limit when absent. */
  timeoutMs?: number;
  /** For streamPrompt: a WebSocket implementation where the platform has none (Node 20: the `ws` package). */
  WebSocket?: WebSocketConstructor;
  /** For streamPrompt: the real-time endpoint, when it is not the one AppSync derives from url. */
  realtimeUrl?: string;
  /** For streamPrompt: how often prompt(id) is read to catch up after the socket dropped (ms). */
  catchUpIntervalMs?: number;
  /**
   * For streamPrompt: after this long without an event, prompt(id) is read to see whether the
   * prompt ended without its final event reaching us (the stream function crashed, an event was
   * lost); 30 s by default.
   */
  streamIdleMs?: number;
}

export interface GraphQLErrorEntry {
  message: string;
  errorType?: string | null;
  errorInfo?: Record<string, unknown> | null;
  path?: (string | number)[] | null;
}

/** The API's error vocabulary (DESIGN.md): every errorType the Tollgate API answers with. */
export type ApiErrorType =
  | 'UnauthorizedException'
  | 'Unauthorized'
  | 'ValidationError'
  | 'EmailTaken'
  | 'InvalidCredentials'
  | 'TooManyAttempts'
  | 'RateLimited'
  | 'QuotaExceeded'
  | 'ModelError'
  | 'NotFound'
  | 'InternalError';

/**
 * Every errorType a TollgateError carries: the API's vocabulary, plus what happens on the way —
 * NetworkError (the API could not be reached), ClientError (the SDK did not send the request:
 * no API key or no token) and UnknownError (an answer outside the vocabulary: AppSync's own 400s,
 * a GraphQL validation error, or something that is not a GraphQL API at all).
 */
export type TollgateErrorType = ApiErrorType | 'NetworkError' | 'ClientError' | 'UnknownError';

/** errorInfo per errorType. The API's infos are null when an answer lacks their documented shape. */
export interface ErrorInfoByType {
  UnauthorizedException: null;
  Unauthorized: null;
  ValidationError: { field: string; reason: string } | null;
  EmailTaken: null;
  InvalidCredentials: null;
  TooManyAttempts: { retryAfterSeconds: number } | null;
  RateLimited: { retryAfterSeconds: number } | null;
  QuotaExceeded: { kind: 'requests' | 'tokens'; limit: number; used: number; resetsAt: string } | null;
  ModelError: { retryable: boolean } | null;
  NotFound: null;
  InternalError: null;
  /** url: where the SDK tried; code: the system's reason (ECONNREFUSED, ENOTFOUND, ETIMEDOUT…) when known. */
  NetworkError: { url: string; code: string | null };
  ClientError: { missing: 'apiKey' | 'token' | 'WebSocket' };
  /** What the server said (its errorType, if any) and its HTTP status. */
  UnknownError: { errorType: string | null; status: number };
}

const API_ERROR_TYPES: ReadonlySet<string> = new Set<ApiErrorType>([
  'UnauthorizedException',
  'Unauthorized',
  'ValidationError',
  'EmailTaken',
  'InvalidCredentials',
  'TooManyAttempts',
  'RateLimited',
  'QuotaExceeded',
  'ModelError',
  'NotFound',
  'InternalError',
]);

type Info = Record<string, unknown> | null | undefined;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const retryAfter = (i: Info) => (i && isNumber(i.retryAfterSeconds) ? { retryAfterSeconds: i.retryAfterSeconds } : null);

/** Reads an API errorInfo into its documented shape, or null. */
const INFO_PARSERS: { [K in ApiErrorType]: (info: Info) => ErrorInfoByType[K] } = {
  UnauthorizedException: () => null,
  Unauthorized: () => null,
  ValidationError: (i) => (i && typeof i.field === 'string' && typeof i.reason === 'string' ? { field: i.field, reason: i.reason } : null),
  EmailTaken: () => null,
  InvalidCredentials: () => null,
  TooManyAttempts: retryAfter,
  RateLimited: retryAfter,
  QuotaExceeded: (i) =>
    i && (i.kind === 'requests' || i.kind === 'tokens') && isNumber(i.limit) && isNumber(i.used) && typeof i.resetsAt === 'string'
      ? { kind: i.kind, limit: i.limit, used: i.used, resetsAt: i.resetsAt }
      : null,
  ModelError: (i) => (i && typeof i.retryable === 'boolean' ? { retryable: i.retryable } : null),
  NotFound: () => null,
  InternalError: () => null,
};

/**
 * An error the API answered with, or one on the way to it. Narrow with is():
 * `if (error instanceof TollgateError && error.is('QuotaExceeded')) error.errorInfo?.resetsAt`.
 */
export class TollgateError<T extends TollgateErrorType = TollgateErrorType> extends Error {
  override readonly name = 'TollgateError';
  constructor(
    message: string,
    readonly errorType: T,
    readonly errorInfo: ErrorInfoByType[T],
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    /** Every error entry the API sent, as sent. */
    readonly errors: GraphQLErrorEntry[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  is<K extends TollgateErrorType>(type: K): this is TollgateError<K> {
    return (this.errorType as TollgateErrorType) === type;
  }

  /** The error for one GraphQL error entry (or a bodyless HTTP failure). */
  static fromResponse(status: number, entries: GraphQLErrorEntry[]): TollgateError {
    const first = entries[0];
    const type = first?.errorType ?? (status === 401 ? 'UnauthorizedException' : null);
    if (type !== null && API_ERROR_TYPES.has(type)) {
      const apiType = type as ApiErrorType;
      const info = (INFO_PARSERS[apiType] as (i: Info) => ErrorInfoByType[ApiErrorType])(first?.errorInfo);
      return new TollgateError<ApiErrorType>(first?.message ?? `HTTP ${status}`, apiType, info, status, entries);
    }
    return new TollgateError(first?.message ?? `HTTP ${status}`, 'UnknownError', { errorType: type, status }, status, entries);
  }
}

/** Any TollgateError as the union of its kinds, so a switch on errorType narrows errorInfo. */
export type AnyTollgateError = { [K in TollgateErrorType]: TollgateError<K> }[TollgateErrorType];

/** The error as AnyTollgateError when it is a TollgateError, else undefined. */
export function asTollgateError(error: unknown): AnyTollgateError | undefined {
  return error instanceof TollgateError ? (error as AnyTollgateError) : undefined;
}

/** fetch's "fetch failed" as a TollgateError that says where and why. */
function networkError(url: string, error: unknown): TollgateError<'NetworkError'> {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (error as { name?: string } | null)?.name === 'TimeoutError' ? 'ETIMEDOUT' : null;
  const why = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  return new TollgateError(`Cannot reach ${url}: ${why}`, 'NetworkError', { url, code }, 0, [], { cause: error });
}

/** An operation's text as the SDK sends it: for a subscription over a real-time client, say. */
export function operationText(document: DocumentNode): string {
  return print(document);
}

function operationName(document: DocumentNode): string {
  for (const def of document.definitions) {
    if (def.kind === 'OperationDefinition' && def.name) return def.name.value;
  }
  return 'anonymous';
}

export class TollgateClient {
  private token: string | undefined;
  private readonly printed = new WeakMap<DocumentNode, string>();

  constructor(private readonly options: ClientOptions) {
    this.token = options.token;
  }

  setToken(token: string | undefined): void {
    this.token = token;
  }

  async request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables?: TVariables): Promise<TResult> {
    const name = operationName(document);
    let query = this.printed.get(document);
    if (!query) {
      query = print(document);
      this.printed.set(document, query);
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.options.headers };
    if (PUBLIC_OPERATIONS.has(name)) {
      if (!this.options.apiKey) throw new TollgateError(`${name} needs the API key (apiKey option).`, 'ClientError', { missing: 'apiKey' }, 0, []);
      headers['x-api-key'] = this.options.apiKey;
    } else {
      if (!this.token) throw new TollgateError(`${name} needs a token: log in first.`, 'ClientError', { missing: 'token' }, 0, []);
      headers.authorization = `Bearer ${this.token}`;
    }
    const url = this.options.url;
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, operationName: name, variables: variables ?? {} }),
        signal: this.options.timeoutMs ? AbortSignal.timeout(this.options.timeoutMs) : undefined,
      });
    } catch (error) {
      throw networkError(url, error);
    }
    const text = await res.text().catch(() => '');
    let body: { data?: TResult | null; errors?: GraphQLErrorEntry[] } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (!body || typeof body !== 'object') {
      const kind = res.headers.get('content-type')?.split(';')[0] ?? 'no content type';
      throw new TollgateError(`${url} answered HTTP ${res.status} (${kind}), not a GraphQL response. Is it the Tollgate API's /graphql URL?`, 'UnknownError', { errorType: null, status: res.status }, res.status, []);
    }
    if (body.errors?.length || !res.ok || !body.data) throw TollgateError.fromResponse(res.status, body.errors ?? []);
    return body.data;
  }

  register(email: string, password: string) {
    return this.request(ops.RegisterDocument, { email, password }).then((d) => d.register);
  }

  /** Logs in and keeps the token for the calls that follow. */
  async login(email: string, password: string) {
    const { login } = await this.request(ops.LoginDocument, { email, password });
    this.token = login.token;
    return login;
  }

  /** Sends a prompt into a conversation (conversationId), or starts a new one without it. */
  sendPrompt(prompt: string, options?: ops.PromptOptions, idempotencyKey?: string, conversationId?: string) {
    return this.request(ops.SendPromptDocument, { prompt, options, idempotencyKey, conversationId }).then((d) => d.sendPrompt);
  }

  /** Your conversations, most recently active first. */
  myConversations(limit?: number, nextToken?: string) {
    return this.request(ops.MyConversationsDocument, { limit, nextToken }).then((d) => d.myConversations);
  }

  conversation(id: string) {
    return this.request(ops.ConversationDocument, { id }).then((d) => d.conversation);
  }

  /** A conversation's turns, newest first. */
  conversationTurns(conversationId: string, limit?: number, nextToken?: string) {
    return this.request(ops.ConversationTurnsDocument, { conversationId, limit, nextToken }).then((d) => d.conversationTurns);
  }

  renameConversation(id: string, title: string) {
    return this.request(ops.RenameConversationDocument, { id, title }).then((d) => d.renameConversation);
  }

  deleteConversation(id: string) {
    return this.request(ops.DeleteConversationDocument, { id }).then((d) => d.deleteConversation);
  }

  /**
   * Starts a prompt without waiting for its answer (streamPrompt subscribes and starts for you),
   * into a conversation (conversationId), or a new one without it.
   */
  startPrompt(prompt: string, options?: ops.PromptOptions, ids: StreamIds = {}) {
    return this.request(ops.StartPromptDocument, { prompt, options, ...ids }).then((d) => d.startPrompt);
  }

  /** One of your prompts: whole once it ended, the answer so far (STREAMING) while it streams. */
  prompt(id: string) {
    return this.request(ops.PromptDocument, { id }).then((d) => d.prompt);
  }

  /**
   * Asks the model and yields the answer as it is written: STARTED (admitted), TEXT pieces in
   * order, then DONE. Refusals and model failures throw the same TollgateErrors as sendPrompt.
   * It subscribes to a prompt id it makes before starting the prompt, so no text is lost; if the
   * socket drops, it catches up from prompt(id). Leaving the loop early closes the socket; the
   * prompt still ends and is settled on the server. `conversationId` sends it into one of your
   * conversations (STARTED says which, and how many earlier turns went with it); the same
   * `promptId` again restarts it without a second charge. With an `idempotencyKey` and no
   * `promptId` (the server names a prompt by its chosen id, and a key's first prompt's id is
   * known only once started), the answer is read from prompt(id) as it grows instead, every
   * catchUpIntervalMs; if the key's first prompt was a blocking sendPrompt still running, its
   * whole answer once logged.
   */
  async *streamPrompt(prompt: string, options?: ops.PromptOptions, ids: StreamIds = {}): AsyncGenerator<PromptStreamEvent, void, undefined> {
    const token = this.token;
    if (!token) throw new TollgateError('StartPrompt needs a token: log in first.', 'ClientError', { missing: 'token' }, 0, []);
    if (ids.idempotencyKey !== undefined && ids.promptId === undefined) {
      const started = await this.startPrompt(prompt, options, ids);
      yield startedEvent(started);
      // Still running, the key's first prompt may be a blocking sendPrompt: it has no claim, so
      // prompt(id) knows it only once its request logs it.
      yield* this.caughtUp(started.id, 0, started.status === null ? BLOCKING_REQUEST_MS : 0);
      return;
    }
    const WebSocketImpl = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketImpl) throw new TollgateError('streamPrompt needs a WebSocket: pass one (the ws package on Node 20) as the WebSocket option.', 'ClientError', { missing: 'WebSocket' }, 0, []);
    const promptId = ids.promptId ?? newPromptId();
    const events: ({ kind: 'event'; event: NonNullable<ops.OnPromptEventSubscription['onPromptEvent']> } | { kind: 'closed' } | { kind: 'refused'; errors: GraphQLErrorEntry[] })[] = [];
    let wake: (() => void) | undefined;
    const push = (item: (typeof events)[number]) => {
      events.push(item);
      wake?.();
    };
    const realtimeUrl = this.options.realtimeUrl ?? realtimeUrlOf(this.options.url);
    let subscription: { close(): void };
    try {
      subscription = await subscribePrompt(print(ops.OnPromptEventDocument), WebSocketImpl, this.options.url, realtimeUrl, token, promptId, {
        event: (event) => push({ kind: 'event', event }),
        closed: () => push({ kind: 'closed' }),
        refused: (errors) => push({ kind: 'refused', errors: errors.map((e) => ({ message: e.message ?? 'refused', errorType: e.errorType ?? null })) }),
      });
    } catch (error) {
      const errors = ((error as { errors?: GraphQLErrorEntry[] }).errors ?? []).map((e) => ({ message: e.message ?? 'refused', errorType: e.errorType ?? null }));
      if (errors.length > 0) throw TollgateError.fromResponse(200, errors);
      throw networkError(realtimeUrl, error);
    }
    try {
      // A chosen id is its own idempotency key (the server ignores another one beside it).
      const started = await this.startPrompt(prompt, options, { conversationId: ids.conversationId, promptId });
      yield startedEvent(started);
      let received = 0;
      if (started.status) {
        // A restart of a prompt that has ended: its answer is in the log.
        yield* this.caughtUp(promptId, received);
        return;
      }
      const order = new Sequencer();
      const idleMs = this.options.streamIdleMs ?? 30_000;
      for (;;) {
        if (events.length === 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const woke = await new Promise<boolean>((resolve) => {
            wake = () => resolve(true);
            timer = setTimeout(() => resolve(false), idleMs);
          });
          clearTimeout(timer);
          if (!woke) {
            // Quiet for a while: if the log says it ended, the rest is there; else keep waiting.
            const record = await this.prompt(promptId);
            if (record.status !== 'STREAMING') {
              yield* this.caughtUp(promptId, received);
              return;
            }
          }
          continue;
        }
        const item = events.shift()!;
        if (item.kind === 'refused') throw TollgateError.fromResponse(200, item.errors);
        if (item.kind === 'closed') {
          yield* this.caughtUp(promptId, received);
          return;
        }
        for (const event of order.accept(item.event)) {
          if (event.kind === 'TEXT') {
            const text = event.text ?? '';
            // A piece that overlaps what was shown (a catch-up) yields only what is new.
            const offset = event.offset ?? received;
            const fresh = text.slice(Math.max(0, received - offset));
            if (fresh !== '') yield { kind: 'TEXT', text: fresh, offset: Math.max(offset, received) };
            received = Math.max(received, offset + text.length);
          } else if (event.kind === 'DONE') {
            yield { kind: 'DONE', status: event.status!, usage: event.usage ?? null, queries: event.queries ?? null, balance: event.balance ?? null, replacement: event.status === 'BLOCKED' ? (event.text ?? null) : null };
            return;
          } else {
            throw TollgateError.fromResponse(200, [{ message: event.message ?? 'The model failed.', errorType: event.errorType, errorInfo: { retryable: event.retryable ?? false, retryAfterSeconds: event.retryAfterSeconds } }]);
          }
        }
      }
    } finally {
      subscription.close();
    }
  }

  /**
   * prompt(id), read again while it is NotFound for up to `waitMs`: a key's first prompt sent
   * through sendPrompt and still with the model is not there until its request logs it (AppSync
   * ends each within 30 s). A streamed prompt is found at once (its claim).
   */
  private async logged(id: string, waitMs: number): Promise<Awaited<ReturnType<TollgateClient['prompt']>>> {
    const until = Date.now() + waitMs;
    for (;;) {
      try {
        return await this.prompt(id);
      } catch (error) {
        if (!(error instanceof TollgateError && error.is('NotFound')) || Date.now() >= until) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.catchUpIntervalMs ?? 1000));
    }
  }

  /**
   * The rest of a prompt's answer from prompt(id) (after `received` characters): the answer so far
   * as it grows while it is written (each read a prefix of the whole), then the log's once ended.
   */
  private async *caughtUp(id: string, received: number, waitMs = 0): AsyncGenerator<PromptStreamEvent, void, undefined> {
    let record = await this.logged(id, waitMs);
    while (record.status === 'STREAMING') {
      const sofar = record.response ?? '';
      if (sofar.length > received) {
        yield { kind: 'TEXT', text: sofar.slice(received), offset: received };
        received = sofar.length;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.catchUpIntervalMs ?? 1000));
      record = await this.prompt(id);
    }
    if (record.status === 'FAILED' || record.status === 'TIMED_OUT') {
      throw new TollgateError(`The prompt ended ${record.status}: prompt(id) and myPrompts show it.`, 'ModelError', { retryable: true }, 200, []);
    }
    const text = record.response ?? '';
    if (record.status === 'BLOCKED') {
      yield { kind: 'DONE', status: 'BLOCKED', usage: record.usage ?? null, queries: null, balance: null, replacement: text };
      return;
    }
    if (text.length > received) yield { kind: 'TEXT', text: text.slice(received), offset: received };
    yield { kind: 'DONE', status: record.status, usage: record.usage ?? null, queries: null, balance: null, replacement: null };
  }

  myUsage() {
    return this.request(ops.MyUsageDocument, {}).then((d) => d.myUsage);
  }

  myPrompts(limit?: number, nextToken?: string) {
    return this.request(ops.MyPromptsDocument, { limit, nextToken }).then((d) => d.myPrompts);
  }

  models() {
    return this.request(ops.ModelsDocument, {}).then((d) => d.models);
  }

  deletePrompt(id: string) {
    return this.request(ops.DeletePromptDocument, { id }).then((d) => d.deletePrompt);
  }

  logoutEverywhere() {
    return this.request(ops.LogoutEverywhereDocument, {}).then((d) => d.logoutEverywhere);
  }
}

function startedEvent(started: ops.StartPromptMutation['startPrompt']): PromptStreamEvent {
  return {
    kind: 'STARTED',
    id: started.id,
    model: started.model,
    queries: started.queries,
    balance: started.balance,
    conversationId: started.conversationId,
    contextTurns: started.contextTurns,
  };
}

/** AppSync's limit on one request (30 s), and a margin: by then a blocking prompt is logged. */
const BLOCKING_REQUEST_MS = 35_000;

/** What names a streamed prompt: its id (a ULID you made), an idempotency key, and its conversation. */
export interface StreamIds {
  promptId?: string;
  idempotencyKey?: string;
  conversationId?: string;
}

export function createClient(options: ClientOptions): TollgateClient {
  return new TollgateClient(options);
}
