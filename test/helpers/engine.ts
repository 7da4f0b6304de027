// Builds an emulator engine in-process from inline APPSYNC_JS modules and fake data sources,
// for the AppSync parity cases of test/emulator.
import { loadModule } from '../../emulator/appsync-js/module.ts';
import type { Caller } from '../../emulator/appsync/auth.ts';
import { Engine, type DataSourceCall, type GraphQLResponse, type LoadedResolver, type MutationEffects, type RequestState } from '../../emulator/appsync/engine.ts';

export interface InlineResolver {
  coordinate: string;
  code: string;
  dataSource?: DataSourceCall;
  functions?: { name: string; code: string; dataSource?: DataSourceCall }[];
}

export const none: DataSourceCall = async (request) => ({ result: (request as { payload?: unknown } | null)?.payload ?? null });

export function buildEngine(sdl: string, resolvers: InlineResolver[], options: { defaultMode?: string; queryDepthLimit?: number; resolverCountLimit?: number } = {}): Engine {
  const loaded: LoadedResolver[] = resolvers.map((r) => {
    const [typeName, fieldName] = r.coordinate.split('.') as [string, string];
    return {
      typeName,
      fieldName,
      kind: r.functions ? 'PIPELINE' : 'UNIT',
      module: loadModule(r.code, `${r.coordinate}.js`),
      dataSource: r.dataSource ?? none,
      dataSourceName: 'Test',
      functions: (r.functions ?? []).map((f) => ({ name: f.name, module: loadModule(f.code, `${f.name}.js`), dataSource: f.dataSource ?? none, dataSourceName: 'Test' })),
    };
  });
  return new Engine(sdl, loaded, options.defaultMode ?? 'AWS_LAMBDA', { queryDepthLimit: options.queryDepthLimit ?? 0, resolverCountLimit: options.resolverCountLimit ?? 10000 });
}

export const lambdaCaller = (resolverContext: Record<string, unknown> = { userId: 'u1' }, deniedFields: string[] = []): Caller => ({
  mode: 'AWS_LAMBDA',
  identity: { resolverContext },
  deniedFields: new Set(deniedFields),
  authorizerMs: 0,
  authorizerCached: false,
});

export const apiKeyCaller: Caller = { mode: 'API_KEY', identity: null, deniedFields: new Set(), authorizerMs: 0, authorizerCached: false };

export async function run(
  engine: Engine,
  query: string,
  options: {
    caller?: Caller;
    variables?: Record<string, unknown>;
    headers?: Record<string, string>;
    env?: Record<string, string>;
    logs?: string[];
    /** Hears what a mutation publishes to subscriptions. */
    onEffects?: (effects: MutationEffects) => void;
  } = {},
): Promise<GraphQLResponse> {
  const state: RequestState = {
    caller: options.caller ?? lambdaCaller(),
    headers: options.headers ?? {},
    variables: options.variables ?? {},
    env: options.env ?? {},
    now: () => Date.parse('2021-02-01T00:00:00Z'),
    appended: [],
    timings: [],
    resolverCount: 0,
    log: (_level, args) => options.logs?.push(args.map(String).join(' ')),
  };
  const response = await engine.run(query, null, state);
  if (state.effects) options.onEffects?.(state.effects);
  return response;
}
