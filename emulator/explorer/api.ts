// The explorer's browser-side calls to /graphql, shared by the quick panel and GraphiQL, so both
// pick credentials the way AppSync expects them.
import { buildClientSchema, Kind, parse, type DocumentNode, type GraphQLSchema, type IntrospectionQuery, type OperationDefinitionNode } from 'graphql';

/** What the server puts in the page for the client. */
export interface ExplorerConfig {
  apiKey: string;
  stackName: string;
  graphqlPath: string;
}

export interface GraphQLErrorShape {
  message: string;
  errorType?: string | null;
}

export interface GraphQLResult {
  data?: Record<string, unknown> | null;
  errors?: GraphQLErrorShape[];
}

export interface Credentials {
  apiKey: string;
  token: string;
}

/**
 * The only fields the API key may reach (`@aws_api_key` in schema.graphql). Introspection does not
 * expose directives, so the page cannot learn this from the schema.
 */
const API_KEY_MUTATIONS = new Set(['register', 'login']);

function selectedOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return operations.find((o) => o.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

/**
 * True when the operation touches only register/login or introspection: those go with the API key
 * (which can introspect); everything else needs the user's token.
 */
export function usesApiKey(document: DocumentNode, operationName?: string | null): boolean {
  const operation = selectedOperation(document, operationName);
  if (!operation) return false;
  const fields = operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD);
  // A fragment at the top level could hide any field; the token is the safe guess then.
  if (fields.length === 0 || fields.length !== operation.selectionSet.selections.length) return false;
  return fields.every((f) => f.name.value.startsWith('__') || (operation.operation === 'mutation' && API_KEY_MUTATIONS.has(f.name.value)));
}

function parsedOrNull(query: string): DocumentNode | null {
  try {
    return parse(query);
  } catch {
    return null;
  }
}

/** The auth header for one request: the API key, the bearer token, or nothing (AppSync then answers 401). */
export function authHeader(credentials: Credentials, document: DocumentNode | null, operationName?: string | null): Record<string, string> {
  // An unparsable query still deserves the server's syntax error rather than a 401.
  const apiKey = document ? usesApiKey(document, operationName) : credentials.token === '';
  if (apiKey) return { 'x-api-key': credentials.apiKey };
  return credentials.token ? { authorization: `Bearer ${credentials.token}` } : {};
}

/**
 * GraphiQL re-reads the operation name 100 ms after the last keystroke, so a run right after
 * replacing `query Usage {…}` with `{…}` still names `Usage`; a lone operation needs no name.
 */
function currentOperationName(document: DocumentNode | null, operationName: string | null | undefined): string | null {
  if (!document || !operationName) return operationName ?? null;
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.some((o) => o.name?.value === operationName) || operations.length !== 1) return operationName;
  return operations[0]!.name?.value ?? null;
}

export async function postGraphQL(
  config: ExplorerConfig,
  credentials: Credentials,
  request: { query: string; variables?: unknown; operationName?: string | null },
  extraHeaders: Record<string, string> = {},
): Promise<GraphQLResult> {
  // Parsed here rather than taken from GraphiQL, whose AST lags behind the text the same way.
  const document = parsedOrNull(request.query);
  const operationName = currentOperationName(document, request.operationName);
  const headers = {
    'content-type': 'application/json',
    ...authHeader(credentials, document, operationName),
    // Headers typed into GraphiQL's header editor win, so any mode can be tried by hand.
    ...extraHeaders,
  };
  const response = await fetch(config.graphqlPath, { method: 'POST', headers, body: JSON.stringify({ ...request, operationName }) });
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphQLResult;
  } catch {
    return { data: null, errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 200)}`, errorType: 'HttpError' }] };
  }
}

export function firstError(result: GraphQLResult): string {
  const e = result.errors?.[0];
  if (!e) return '';
  return (e.errorType ? `${e.errorType}: ` : '') + e.message;
}

/**
 * graphql-js's standard introspection query (GraphiQL's) nests 15 levels, beyond the stack's
 * query depth limit of 10 as the emulator counts it (whether AppSync exempts introspection is
 * unverified); four `ofType` levels keep this one at depth 10 and still cover `[PromptRecord!]!`.
 */
export const INTROSPECTION_QUERY = `query TollgateIntrospection {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`;

export async function loadSchema(config: ExplorerConfig, credentials: Credentials): Promise<GraphQLSchema> {
  const result = await postGraphQL(config, credentials, { query: INTROSPECTION_QUERY, operationName: 'TollgateIntrospection' });
  if (!result.data || result.errors?.length) throw new Error(firstError(result) || 'The introspection query returned no data.');
  return buildClientSchema(result.data as unknown as IntrospectionQuery);
}
