// The GraphQL side of the emulator: AppSync's schema rules (prelude, auth directives), its
// resolvers (unit, pipeline, direct Lambda) and its response envelope (APPSYNC.md §1, §4.7, §5).
import {
  buildSchema,
  execute,
  executeSync,
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  print,
  visit,
  BREAK,
  type ASTNode,
} from 'graphql';
import { callHandler, type AppSyncModule, type HandlerOutcome } from '../appsync-js/module.ts';
import type { ResolverErrorRecord } from '../appsync-js/signals.ts';
import type { RuntimeHooks } from '../appsync-js/util.ts';
import type { Caller } from './auth.ts';
import { ENGINE_CHOICES } from './choices.ts';
import { APPSYNC_PRELUDE } from './prelude.ts';

export interface DataSourceCall {
  (request: unknown, ctx: { direct: boolean }): Promise<{ result: unknown; error?: { message: string; type: string; unhandledErrorType?: string | null } }>;
}

export interface LoadedResolver {
  typeName: string;
  fieldName: string;
  kind: 'UNIT' | 'PIPELINE';
  module: AppSyncModule | null;
  dataSource: DataSourceCall | null;
  dataSourceName: string | null;
  functions: { name: string; module: AppSyncModule; dataSource: DataSourceCall; dataSourceName: string }[];
}

export interface StepTiming {
  field: string;
  step: string;
  ms: number;
}

export interface RequestState {
  caller: Caller;
  headers: Record<string, string>;
  variables: Record<string, unknown>;
  env: Record<string, string>;
  now(): number;
  appended: GraphQLError[];
  timings: StepTiming[];
  resolverCount: number;
  log(level: 'log' | 'error', args: unknown[]): void;
  /** extensions.* calls the resolvers made (subscription filters, invalidations), in order. */
  extensionCalls?: ExtensionCall[];
  /** Set by run() for a mutation: what it publishes to subscriptions (real-time). */
  effects?: MutationEffects;
}

export interface ExtensionCall {
  typeName: string;
  fieldName: string;
  name: string;
  args: unknown[];
}

export interface MutationEffects {
  /** Each root field that resolved to a value: the value as the mutation selected it, by field name (no aliases). */
  published: { fieldName: string; payload: unknown }[];
  /** extensions.invalidateSubscriptions({ subscriptionField, payload }) calls of the mutation's resolvers. */
  invalidations: { subscriptionField: string; payload: unknown }[];
}

/** What a real-time `start` finds when it prepares a subscription (APPSYNC-REALTIME.md §3.4, §5.5). */
export type SubscribeOutcome =
  | { kind: 'invalid'; messages: string[] }
  | { kind: 'notSubscription'; operation: string }
  | { kind: 'multipleFields' }
  | { kind: 'refused'; errorType: string | null; message: string }
  | { kind: 'ok'; fieldName: string; args: Record<string, unknown>; variables: Record<string, unknown>; extensionCalls: ExtensionCall[] };

export interface AppSyncError {
  path: (string | number)[] | null;
  data: unknown;
  errorType: string | null;
  errorInfo: unknown;
  locations: { line: number; column: number; sourceName: null }[];
  message: string;
}

export interface GraphQLResponse {
  data: Record<string, unknown> | null;
  errors?: (AppSyncError | { path: null; locations: AppSyncError['locations']; message: string; errorType?: string })[];
}


/** util.authType() per mode (https://docs.aws.amazon.com/appsync/latest/devguide/utility-helpers-in-util-js.html). */
const AUTH_TYPE_NAMES: Record<Caller['mode'], string> = {
  API_KEY: 'API Key Authorization',
  AWS_LAMBDA: 'Lambda Authorization',
  AWS_IAM: 'IAM Authorization',
};

const MODE_DIRECTIVES: Record<string, string> = {
  aws_api_key: 'API_KEY',
  aws_lambda: 'AWS_LAMBDA',
  aws_iam: 'AWS_IAM',
  aws_oidc: 'OPENID_CONNECT',
  aws_cognito_user_pools: 'AMAZON_COGNITO_USER_POOLS',
};

function modesOf(directives: readonly { name: { value: string } }[] | undefined): Set<string> {
  return new Set((directives ?? []).map((d) => MODE_DIRECTIVES[d.name.value]).filter((m): m is string => m !== undefined));
}

function fieldError(record: ResolverErrorRecord, info: GraphQLResolveInfo): GraphQLError {
  return new GraphQLError(record.message, {
    nodes: info.fieldNodes,
    path: pathOf(info),
    extensions: { errorType: record.errorType, errorInfo: record.errorInfo, data: bySelection(record.data, info.fieldNodes[0]?.selectionSet, info) },
  });
}

/** util.error's data is filtered by the field's selection set; errorInfo is not (§1.4). */
function bySelection(data: unknown, set: SelectionSetNode | undefined, info: GraphQLResolveInfo): unknown {
  if (data === null || data === undefined) return null;
  if (!set || typeof data !== 'object') return data;
  if (Array.isArray(data)) return data.map((d) => bySelection(d, set, info));
  const out: Record<string, unknown> = {};
  for (const field of fieldsOf(set, info)) {
    const name = field.name.value;
    const key = field.alias?.value ?? name;
    if (Object.hasOwn(data, name) && !Object.hasOwn(out, key)) out[key] = bySelection((data as Record<string, unknown>)[name], field.selectionSet, info);
  }
  return out;
}

/**
 * The fields of one selection set with its fragments expanded, each named fragment once, as
 * graphql-js collects them: a fragment spread twice (or spreading another twice, 23 levels deep)
 * costs one expansion, not 2^23.
 */
function fieldsOf(set: SelectionSetNode | undefined, info: GraphQLResolveInfo): FieldNode[] {
  const out: FieldNode[] = [];
  const expanded = new Set<string>();
  const walk = (s: SelectionSetNode | undefined) => {
    for (const sel of s?.selections ?? []) {
      if (sel.kind === Kind.FIELD) out.push(sel);
      else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet);
      else if (!expanded.has(sel.name.value)) {
        expanded.add(sel.name.value);
        walk(info.fragments[sel.name.value]?.selectionSet);
      }
    }
  };
  walk(set);
  return out;
}

function pathOf(info: GraphQLResolveInfo): (string | number)[] {
  const path: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) path.unshift(p.key);
  return path;
}

/** selectionSetList: aliases by alias, nested paths joined with '/', each path once (§1.6). */
function selectionList(set: SelectionSetNode | undefined, info: GraphQLResolveInfo): string[] {
  const out = new Set<string>();
  const walk = (s: SelectionSetNode | undefined, prefix: string) => {
    for (const field of fieldsOf(s, info)) {
      const name = prefix + (field.alias?.value ?? field.name.value);
      out.add(name);
      walk(field.selectionSet, name + '/');
    }
  };
  walk(set, '');
  return [...out];
}

/**
 * The operation's depth, with each fragment's depth computed once: linear in the document's
 * size however often fragments spread each other (validation has already refused cycles).
 */
function depthOf(operation: OperationDefinitionNode, document: DocumentNode): number {
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
  const known = new Map<string, number>();
  const depth = (set: SelectionSetNode | undefined): number => {
    let max = 0;
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) max = Math.max(max, sel.selectionSet ? 1 + depth(sel.selectionSet) : 1);
      else if (sel.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depth(sel.selectionSet));
      else {
        const name = sel.name.value;
        if (!known.has(name)) {
          known.set(name, 0); // a cycle (refused by validation) cannot recurse forever
          known.set(name, depth(fragments.get(name)));
        }
        max = Math.max(max, known.get(name)!);
      }
    }
    return max;
  };
  return depth(operation.selectionSet);
}

/**
 * Parsed and validated documents, least recently used first, bounded by the bytes of their text:
 * a parsed document takes ~50 times its text in memory, so a few large queries must not pin
 * hundreds of megabytes. Documents over ENTRY_BYTES are parsed per request and never kept.
 */
class DocumentCache {
  static readonly TOTAL_BYTES = 1024 * 1024;
  static readonly ENTRY_BYTES = 64 * 1024;
  private readonly entries = new Map<string, { document: DocumentNode; errors: readonly GraphQLError[] }>();
  private bytes = 0;

  get(query: string) {
    const entry = this.entries.get(query);
    if (entry) {
      this.entries.delete(query);
      this.entries.set(query, entry);
    }
    return entry;
  }

  set(query: string, entry: { document: DocumentNode; errors: readonly GraphQLError[] }): void {
    const size = Buffer.byteLength(query);
    if (size > DocumentCache.ENTRY_BYTES || this.entries.has(query)) return;
    this.entries.set(query, entry);
    this.bytes += size;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= DocumentCache.TOTAL_BYTES) break;
      this.entries.delete(oldest);
      this.bytes -= Buffer.byteLength(oldest);
    }
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}

/** The root field nodes of an operation, fragments expanded. */
function rootFields(set: SelectionSetNode, fragments: Map<string, SelectionSetNode>): FieldNode[] {
  return set.selections.flatMap((sel) =>
    sel.kind === Kind.FIELD ? [sel] : sel.kind === Kind.INLINE_FRAGMENT ? rootFields(sel.selectionSet, fragments) : rootFields(fragments.get(sel.name.value) ?? { kind: Kind.SELECTION_SET, selections: [] }, fragments),
  );
}

/** A result as the operation selected it, keyed by field name instead of response key. */
function byFieldName(value: unknown, set: SelectionSetNode | undefined, fragments: Map<string, SelectionSetNode>): unknown {
  if (Array.isArray(value)) return value.map((v) => byFieldName(v, set, fragments));
  if (!set || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const field of rootFields(set, fragments)) {
    const key = field.alias?.value ?? field.name.value;
    if (Object.hasOwn(value, key)) out[field.name.value] = byFieldName((value as Record<string, unknown>)[key], field.selectionSet, fragments);
  }
  return out;
}

function fragmentsOf(document: DocumentNode): Map<string, SelectionSetNode> {
  return new Map(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d.selectionSet] as [string, SelectionSetNode]));
}

/** graphql-js's variable coercion messages in graphql-java's words, as AppSync sends them (§3.4). */
function javaVariableMessage(message: string): string {
  const missing = /^Variable "\$([^"]+)" of (?:required|non-null) type "([^"]+)" (?:was not provided|must not be null)\.$/.exec(message);
  return missing ? `Variable '${missing[1]}' has coerced Null value for NonNull type '${missing[2]}'` : message;
}

export class Engine {
  readonly schema: GraphQLSchema;
  private readonly resolvers = new Map<string, LoadedResolver>();
  private readonly documents = new DocumentCache();

  constructor(
    sdl: string,
    resolvers: LoadedResolver[],
    private readonly defaultMode: string,
    private readonly limits: { queryDepthLimit: number; resolverCountLimit: number },
  ) {
    this.schema = buildSchema(APPSYNC_PRELUDE + '\n' + sdl);
    for (const r of resolvers) this.resolvers.set(`${r.typeName}.${r.fieldName}`, r);
  }

  /** Parsed and validated documents are cached by their text (bounded by bytes, see DocumentCache). */
  private prepare(query: string): { document: DocumentNode; errors: readonly GraphQLError[] } {
    let entry = this.documents.get(query);
    if (!entry) {
      let document: DocumentNode;
      try {
        document = parse(query);
      } catch (error) {
        return { document: { kind: Kind.DOCUMENT, definitions: [] }, errors: [error as GraphQLError] };
      }
      entry = { document, errors: validate(this.schema, document) };
      this.documents.set(query, entry);
    }
    return entry;
  }

  /** How much the document cache holds, for tests and the bench. */
  get cachedDocuments(): { entries: number; bytes: number } {
    return this.documents.size;
  }

  async run(query: string, operationName: string | null, state: RequestState): Promise<GraphQLResponse> {
    const { document, errors } = this.prepare(query);
    if (errors.length > 0) return { data: null, errors: errors.map((e) => requestError(e, document)) };
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
    if (operation && this.limits.queryDepthLimit > 0) {
      const depth = depthOf(operation, document);
      if (depth > this.limits.queryDepthLimit) {
        return { data: null, errors: [{ path: null, locations: [], message: ENGINE_CHOICES.depthMessage(depth, this.limits.queryDepthLimit), errorType: 'QueryDepthLimitExceeded' }] };
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ENGINE_CHOICES.requestTimeoutMs);
    });
    const result = await Promise.race([
      Promise.resolve(
        execute({
          schema: this.schema,
          document,
          operationName: operationName ?? undefined,
          variableValues: state.variables,
          contextValue: state,
          fieldResolver: this.fieldResolver,
        }),
      ),
      timeout,
    ]);
    clearTimeout(timer);
    if (result === 'timeout') {
      return { data: null, errors: [{ path: null, locations: [], message: ENGINE_CHOICES.timeoutMessage, errorType: 'ExecutionTimeout' }] };
    }
    const all = [...(result.errors ?? []), ...state.appended];
    const response: GraphQLResponse = { data: (result.data as Record<string, unknown> | null | undefined) ?? null };
    if (all.length > 0) response.errors = all.map(fieldErrorShape);
    if (operation?.operation === 'mutation') state.effects = this.effectsOf(operation, document, response.data, state);
    return response;
  }

  /** A mutation's fan-out: each root field that resolved to a value, and its resolvers' invalidations. */
  private effectsOf(operation: OperationDefinitionNode, document: DocumentNode, data: Record<string, unknown> | null, state: RequestState): MutationEffects {
    const fragments = fragmentsOf(document);
    const published = rootFields(operation.selectionSet, fragments).flatMap((field) => {
      const value = data?.[field.alias?.value ?? field.name.value];
      // A field that resolved to null (an error) publishes nothing (APPSYNC-REALTIME.md appendix A).
      return value === null || value === undefined ? [] : [{ fieldName: field.name.value, payload: byFieldName(value, field.selectionSet, fragments) }];
    });
    const invalidations = (state.extensionCalls ?? [])
      .filter((c) => c.name === 'invalidateSubscriptions' && c.typeName === 'Mutation')
      .flatMap((c) => {
        const arg = c.args[0] as { subscriptionField?: unknown; payload?: unknown } | null | undefined;
        return arg && typeof arg.subscriptionField === 'string' ? [{ subscriptionField: arg.subscriptionField, payload: arg.payload ?? null }] : [];
      });
    return { published, invalidations };
  }

  /**
   * Prepares a real-time `start`: the document must be one subscription field, valid, with
   * coercible variables; then its resolver runs once (its response handler sets the filters),
   * with the same auth checks as any field.
   */
  async subscribe(query: string, operationName: string | null, state: RequestState): Promise<SubscribeOutcome> {
    const { document, errors } = this.prepare(query);
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
    if (operation && operation.operation !== 'subscription') return { kind: 'notSubscription', operation: operation.operation };
    const fragments = fragmentsOf(document);
    const fields = operation ? rootFields(operation.selectionSet, fragments) : [];
    if (fields.length > 1) return { kind: 'multipleFields' };
    if (errors.length > 0) return { kind: 'invalid', messages: errors.map((e) => requestError(e, document).message) };
    if (!operation || fields.length === 0) return { kind: 'invalid', messages: [operationName ? `Unknown operation named '${operationName}'.` : 'Must provide operation name if query contains multiple operations.'] };
    const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], state.variables);
    if (coerced.errors) return { kind: 'invalid', messages: coerced.errors.map((e) => javaVariableMessage(e.message)) };
    const field = fields[0]!;
    const definition = this.schema.getSubscriptionType()!.getFields()[field.name.value]!;
    const args = getArgumentValues(definition, field, coerced.coerced);
    state.extensionCalls = [];
    const response = await this.run(query, operationName, state);
    const first = response.errors?.[0];
    if (first) return { kind: 'refused', errorType: ('errorType' in first ? first.errorType : null) ?? null, message: first.message };
    return { kind: 'ok', fieldName: field.name.value, args, variables: coerced.coerced, extensionCalls: state.extensionCalls };
  }

  /**
   * One subscriber's data frame: the published value shaped by its own selection. A field the
   * mutation did not select reads as absent: null, or an error where the type is non-null (§5.1).
   * No resolver runs; the subscriber's auth mode is checked on every field, as for a query.
   */
  deliver(query: string, operationName: string | null, state: RequestState, fieldName: string, payload: unknown): GraphQLResponse {
    const { document } = this.prepare(query);
    const result = executeSync({
      schema: this.schema,
      document,
      operationName: operationName ?? undefined,
      variableValues: state.variables,
      contextValue: state,
      rootValue: { [fieldName]: payload },
      fieldResolver: (source, _args, context: RequestState, info) => {
        this.authorizeField(context, info);
        return source && typeof source === 'object' ? (source as Record<string, unknown>)[info.fieldName] : undefined;
      },
    });
    const response: GraphQLResponse = { data: (result.data as Record<string, unknown> | null | undefined) ?? null };
    if (result.errors?.length) response.errors = result.errors.map(fieldErrorShape);
    return response;
  }

  /** Auth directives (or the default mode), the authorizer's deniedFields, and IAM policies on root fields. */
  private authorizeField(state: RequestState, info: GraphQLResolveInfo): void {
    const parent = info.parentType;
    const field = parent.getFields()[info.fieldName]!;
    const rootDenied = info.path.prev === undefined && state.caller.allowsRootField !== undefined && !state.caller.allowsRootField(parent.name, info.fieldName);
    if (!this.allowed(parent, field, state.caller.mode) || state.caller.deniedFields.has(`${parent.name}.${info.fieldName}`) || rootDenied) {
      throw fieldError({ message: `Not Authorized to access ${info.fieldName} on type ${parent.name}`, errorType: 'Unauthorized', data: null, errorInfo: null }, info);
    }
  }

  private readonly fieldResolver: GraphQLFieldResolver<unknown, RequestState> = (source, args, state, info) => {
    this.authorizeField(state, info);
    const parent = info.parentType;
    const resolver = this.resolvers.get(`${parent.name}.${info.fieldName}`);
    if (!resolver) {
      const value = source && typeof source === 'object' ? (source as Record<string, unknown>)[info.fieldName] : undefined;
      return value;
    }
    state.resolverCount += 1;
    if (state.resolverCount > this.limits.resolverCountLimit) {
      throw fieldError({ message: 'Resolver invocation limit reached.', errorType: 'ResolverExecutionLimitReached', data: null, errorInfo: null }, info);
    }
    return this.resolve(resolver, source, args, state, info);
  };

  /** A field's own directives win; without any, its type's; without any, the default mode only. */
  private allowed(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>, mode: string): boolean {
    const fieldModes = modesOf(field.astNode?.directives);
    const modes = fieldModes.size > 0 ? fieldModes : modesOf(parent.astNode?.directives);
    return modes.size > 0 ? modes.has(mode) : mode === this.defaultMode;
  }

  private async resolve(r: LoadedResolver, source: unknown, rawArgs: Record<string, unknown>, state: RequestState, info: GraphQLResolveInfo): Promise<unknown> {
    const field = `${r.typeName}.${r.fieldName}`;
    const args = JSON.parse(JSON.stringify(rawArgs)) as Record<string, unknown>;
    const hooks: RuntimeHooks = {
      now: state.now,
      authType: () => AUTH_TYPE_NAMES[state.caller.mode],
      fieldInfo: () => ({ fieldName: info.fieldName, parentTypeName: info.parentType.name }),
      appendError: (record) => state.appended.push(fieldError(record, info)),
      log: state.log,
      extension: (name, extensionArgs) => recordExtension(state, info, name, extensionArgs),
    };
    const fieldNode: FieldNode = info.fieldNodes[0]!;
    const stash: Record<string, unknown> = {};
    const base = {
      arguments: args,
      args,
      identity: state.caller.identity,
      source: source ?? null,
      stash,
      request: { headers: state.headers, domainName: null },
      info: {
        fieldName: info.fieldName,
        parentTypeName: info.parentType.name,
        variables: state.variables,
        selectionSetList: selectionList(fieldNode.selectionSet, info),
        selectionSetGraphQL: fieldNode.selectionSet ? print(fieldNode.selectionSet) : '',
      },
      env: state.env,
    };
    const ctx = (prev: unknown, result?: unknown, error?: unknown) => ({ ...base, prev: { result: prev }, result, error });
    const timed = <T>(step: string, fn: () => T): T => {
      const t = performance.now();
      const out = fn();
      state.timings.push({ field, step, ms: performance.now() - t });
      return out;
    };
    const timedAsync = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const out = await fn();
      state.timings.push({ field, step, ms: performance.now() - t });
      return out;
    };
    const fail = (outcome: HandlerOutcome & { kind: 'error' }): never => {
      throw fieldError(outcome.record, info);
    };

    // Direct Lambda resolver: the whole context goes to the function; errors are raised for you.
    if (!r.module) {
      const out = await timedAsync(`${r.dataSourceName} (direct)`, () => r.dataSource!({ ...base, prev: null }, { direct: true }));
      if (out.error) throw fieldError({ message: out.error.message, errorType: out.error.type, data: null, errorInfo: null }, info);
      return out.result;
    }

    if (r.kind === 'UNIT') {
      const req = timed('request', () => callHandler(r.module!.request, ctx(undefined), hooks, {}));
      if (req.kind === 'error') return fail(req);
      if (req.kind === 'early') return req.value ?? null;
      const out = await timedAsync(`${r.dataSourceName}`, () => r.dataSource!(req.value, { direct: false }));
      const res = timed('response', () => callHandler(r.module!.response, ctx(undefined, out.result, out.error), hooks, out.result));
      if (res.kind === 'error') return fail(res);
      return res.value ?? null;
    }

    const before = timed('before', () => callHandler(r.module!.request, ctx(undefined), hooks, {}));
    if (before.kind === 'error') return fail(before);
    let prev = before.value;
    if (before.kind !== 'early') {
      for (const fn of r.functions) {
        const req = timed(`${fn.name}.request`, () => callHandler(fn.module.request, ctx(prev), hooks, {}));
        if (req.kind === 'error') return fail(req);
        if (req.kind === 'early') {
          prev = req.value;
          if (req.skipTo === 'END') break;
          continue;
        }
        const out = await timedAsync(`${fn.name}.${fn.dataSourceName}`, () => fn.dataSource(req.value, { direct: false }));
        const res = timed(`${fn.name}.response`, () => callHandler(fn.module.response, ctx(prev, out.result, out.error), hooks, out.result));
        if (res.kind === 'error') return fail(res);
        prev = res.value;
        if (res.kind === 'early' && res.skipTo === 'END') break;
      }
    }
    const after = timed('after', () => callHandler(r.module!.response, ctx(prev, prev), hooks, prev));
    if (after.kind === 'error') return fail(after);
    return after.value ?? null;
  }
}

/** At most 5 unique invalidateSubscriptions calls per request; more is a GraphQL error (EXT). */
function recordExtension(state: RequestState, info: GraphQLResolveInfo, name: string, args: unknown[]): void {
  const calls = (state.extensionCalls ??= []);
  const call = { typeName: info.parentType.name, fieldName: info.fieldName, name, args };
  if (name === 'invalidateSubscriptions') {
    const unique = new Set(calls.filter((c) => c.name === name).map((c) => JSON.stringify(c.args)));
    if (!unique.has(JSON.stringify(args)) && unique.size >= ENGINE_CHOICES.maxInvalidationsPerRequest) {
      state.appended.push(fieldError({ message: ENGINE_CHOICES.tooManyInvalidationsMessage, errorType: null, data: null, errorInfo: null }, info));
      return;
    }
  }
  calls.push(call);
}

function locationsOf(error: GraphQLError): AppSyncError['locations'] {
  return (error.locations ?? []).map((l) => ({ line: l.line, column: l.column, sourceName: null }));
}

/** Validation and parse errors: no errorType, path null, graphql-java's wording where known (§5.2). */
function requestError(error: GraphQLError, document: DocumentNode) {
  return { path: null, locations: locationsOf(error), message: javaStyleMessage(error, document) };
}

function javaStyleMessage(error: GraphQLError, document: DocumentNode): string {
  const undefinedField = /^Cannot query field "([^"]+)" on type "([^"]+)"\./.exec(error.message);
  const node = error.nodes?.[0];
  if (undefinedField && node) {
    return `Validation error of type FieldUndefined: Field '${undefinedField[1]}' in type '${undefinedField[2]}' is undefined @ '${fieldPath(document, node)}'`;
  }
  return error.message;
}

/** The response-key path of a field node in its operation, joined with '/', as graphql-java prints it. */
function fieldPath(document: DocumentNode, target: ASTNode): string {
  const path: string[] = [];
  visit(document, {
    Field: {
      enter(node) {
        path.push(node.alias?.value ?? node.name.value);
        if (node === target) return BREAK;
        return undefined;
      },
      leave() {
        path.pop();
      },
    },
  });
  return path.join('/');
}

/** Field errors carry errorType, errorInfo and data at the top level, null when not given (§5.1). */
function fieldErrorShape(error: GraphQLError): AppSyncError {
  const ext = (error.extensions ?? {}) as { errorType?: string | null; errorInfo?: unknown; data?: unknown };
  const original = error.originalError as (Error & { extensions?: unknown }) | undefined;
  const internal = !('errorType' in ext) && original !== undefined && !(original instanceof GraphQLError);
  return {
    path: (error.path as (string | number)[] | undefined) ?? null,
    data: ext.data ?? null,
    errorType: ext.errorType ?? (internal ? 'InternalFailure' : null),
    errorInfo: ext.errorInfo ?? null,
    locations: locationsOf(error),
    message: error.message,
  };
}

