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
}

export interface GraphQLErrorEntry {
  message: string;
  errorType?: string | null;
  errorInfo?: Record<string, unknown> | null;
  path?: (string | number)[] | null;
}

/** An error the API answered with: errorType and errorInfo as in the contract's vocabulary. */
export class TollgateError extends Error {
  override readonly name = 'TollgateError';
  constructor(
    message: string,
    readonly errorType: string,
    readonly errorInfo: Record<string, unknown> | null,
    readonly status: number,
    readonly errors: GraphQLErrorEntry[],
  ) {
    super(message);
  }
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
      if (!this.options.apiKey) throw new TollgateError(`${name} needs the API key (apiKey option).`, 'ClientError', null, 0, []);
      headers['x-api-key'] = this.options.apiKey;
    } else {
      if (!this.token) throw new TollgateError(`${name} needs a token: log in first.`, 'ClientError', null, 0, []);
      headers.authorization = `Bearer ${this.token}`;
    }
    const res = await (this.options.fetch ?? fetch)(this.options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, operationName: name, variables: variables ?? {} }),
    });
    const body = (await res.json().catch(() => ({}))) as { data?: TResult | null; errors?: GraphQLErrorEntry[] };
    const first = body.errors?.[0];
    if (first || !res.ok || !body.data) {
      throw new TollgateError(
        first?.message ?? `HTTP ${res.status}`,
        first?.errorType ?? (res.status === 401 ? 'UnauthorizedException' : 'UnknownError'),
        first?.errorInfo ?? null,
        res.status,
        body.errors ?? [],
      );
    }
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

  sendPrompt(prompt: string, options?: ops.PromptOptions, idempotencyKey?: string) {
    return this.request(ops.SendPromptDocument, { prompt, options, idempotencyKey }).then((d) => d.sendPrompt);
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
