// Apollo Client for Tollgate, in Node or a browser: register and login go with the API key,
// everything else with the user's token, and AppSync's errorType/errorInfo are read back from
// Apollo's errors. Use it with the typed documents from client/generated/operations.ts.
// (Apollo Client 3 has no package "exports", so plain Node ESM needs the /index.js paths.)
import { ApolloClient, HttpLink, InMemoryCache, isApolloError } from '@apollo/client/core/index.js';
import { setContext } from '@apollo/client/link/context/index.js';

/** The operations (by name, as in client/operations.graphql) that take the API key. */
const API_KEY_OPERATIONS = new Set(['Register', 'Login']);

export interface TollgateApolloOptions {
  url: string;
  apiKey: string;
  /** The token from login, or undefined before it (the API then answers 401). */
  getToken: () => string | undefined | Promise<string | undefined>;
  /** The fetch to send requests with (the global one by default). */
  fetch?: typeof fetch;
}

export function createTollgateApollo({ url, apiKey, getToken, fetch }: TollgateApolloOptions) {
  const auth = setContext(async ({ operationName }, { headers }) => {
    if (operationName && API_KEY_OPERATIONS.has(operationName)) return { headers: { ...headers, 'x-api-key': apiKey } };
    const token = await getToken();
    return { headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers };
  });
  return new ApolloClient({
    link: auth.concat(new HttpLink({ uri: url, ...(fetch ? { fetch } : {}) })),
    cache: new InMemoryCache(),
    // Usage and balances change on the server with every prompt: always ask it.
    defaultOptions: { query: { fetchPolicy: 'network-only' }, watchQuery: { fetchPolicy: 'network-only' } },
  });
}

/** An error as AppSync reports it: errorType and errorInfo sit beside message, not in extensions. */
export interface AppSyncError {
  message: string;
  errorType: string;
  errorInfo: Record<string, unknown> | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The AppSync errors in what Apollo threw: its GraphQL errors, or the body of an HTTP error (401). */
export function appSyncErrors(error: unknown): AppSyncError[] {
  if (!(error instanceof Error) || !isApolloError(error)) return [];
  const network: unknown = error.networkError;
  const body: unknown = isRecord(network) && isRecord(network.result) ? network.result.errors : undefined;
  const raw: readonly unknown[] = error.graphQLErrors.length > 0 ? error.graphQLErrors : Array.isArray(body) ? body : [];
  return raw.filter(isRecord).map((e) => ({
    message: typeof e.message === 'string' ? e.message : error.message,
    errorType: typeof e.errorType === 'string' ? e.errorType : 'UnknownError',
    errorInfo: isRecord(e.errorInfo) ? e.errorInfo : null,
  }));
}
