// GraphiQL's fetcher: queries and mutations over HTTP, subscriptions over AppSync's real-time
// protocol (../api/realtime.ts), each with the credentials its root fields' auth mode needs —
// the API key for register/login, the token for the rest. Headers typed into GraphiQL's header
// editor win, so any mode can be tried by hand.
import { parse, type DocumentNode } from 'graphql';
import { RealtimeClient, SubscriptionError, type RealtimeCredentials, type SubscriptionResult } from '../api/realtime.ts';
import { realtimeUrlFor } from '../config.ts';
import type { Session } from '../session.ts';
import { authModeFor, selectedOperation } from './schema.ts';

/** What GraphiQL hands a fetcher (graphiql 3.9's FetcherParams and FetcherOpts). */
export interface FetcherParams {
  query: string;
  operationName?: string | null;
  variables?: unknown;
}
export interface FetcherOpts {
  headers?: Record<string, unknown>;
}
/** One HTTP answer, or a subscription's results: GraphiQL reads only their JSON shape. */
export type FetcherResult = { data?: unknown; errors?: unknown[] };

function parsed(query: string): DocumentNode | null {
  try {
    return parse(query);
  } catch {
    return null;
  }
}

function typedHeaders(opts: FetcherOpts | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(opts?.headers ?? {}).map(([k, v]) => [k, String(v)]));
}

const header = (headers: Record<string, string>, name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];

export function createFetcher(session: Session) {
  let realtime: RealtimeClient | null = null;
  const realtimeClient = () => (realtime ??= new RealtimeClient({ graphqlUrl: session.graphqlUrl, realtimeUrl: session.config.realtimeUrl ?? realtimeUrlFor(session.graphqlUrl) }));

  const credentialsFor = (mode: 'API_KEY' | 'AWS_LAMBDA', typed: Record<string, string>): Record<string, string> => {
    if (header(typed, 'authorization') || header(typed, 'x-api-key')) return {};
    if (mode === 'API_KEY') return { 'x-api-key': session.config.apiKey };
    return session.token ? { authorization: `Bearer ${session.token}` } : {};
  };

  async function* subscribe(params: FetcherParams, mode: 'API_KEY' | 'AWS_LAMBDA', typed: Record<string, string>): AsyncGenerator<SubscriptionResult> {
    const chosen = { ...credentialsFor(mode, typed), ...typed };
    const authorization = header(chosen, 'authorization');
    const apiKey = header(chosen, 'x-api-key');
    const credentials: RealtimeCredentials | null = authorization ? { Authorization: authorization } : apiKey ? { 'x-api-key': apiKey } : null;
    if (!credentials) {
      yield { errors: [{ message: 'Log in first: subscriptions go with your token.', errorType: 'UnauthorizedException' }] };
      return;
    }
    const stream = realtimeClient().subscribe({ query: params.query, variables: (params.variables ?? {}) as Record<string, unknown> }, credentials);
    try {
      for await (const result of stream) yield result;
    } catch (error) {
      yield { errors: error instanceof SubscriptionError ? error.errors : [{ message: String(error) }] };
    } finally {
      await stream.return?.();
    }
  }

  return async (params: FetcherParams, opts?: FetcherOpts): Promise<FetcherResult | AsyncGenerator<SubscriptionResult>> => {
    const document = parsed(params.query);
    const operation = document ? selectedOperation(document, params.operationName) : undefined;
    const mode = authModeFor(operation);
    const typed = typedHeaders(opts);
    if (operation?.operation === 'subscription') return subscribe(params, mode, typed);
    const response = await fetch(session.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...credentialsFor(mode, typed), ...typed },
      body: JSON.stringify({ query: params.query, variables: params.variables ?? {}, operationName: operation?.name?.value ?? params.operationName ?? null }),
    });
    const text = await response.text();
    let result: FetcherResult;
    try {
      result = JSON.parse(text) as FetcherResult;
    } catch {
      return { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 200)}` }] };
    }
    // Logging in here is as good as logging in from the Chat view.
    const login = (result as { data?: { login?: { token?: unknown; email?: unknown; expiresAt?: unknown } } }).data?.login;
    if (login && typeof login.token === 'string' && typeof login.email === 'string' && typeof login.expiresAt === 'string') {
      session.signIn({ token: login.token, email: login.email, expiresAt: login.expiresAt });
    }
    return result;
  };
}
