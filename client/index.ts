// The typed Tollgate SDK: generated operation types plus a small fetch-based client that sends
// the API key for register/login and the user's token for everything else.
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import * as ops from './generated/operations.ts';

export * from './generated/operations.ts';

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
  ClientError: { missing: 'apiKey' | 'token' };
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

export function createClient(options: ClientOptions): TollgateClient {
  return new TollgateClient(options);
}
