// Loads an APPSYNC_JS module (the bundle that deploys) into its own sandbox and calls its
// handlers the way AppSync does: util.error and earlyReturn stop the handler, a runtime error
// becomes errorType "Code" with the position in code.js.
import vm from 'node:vm';
import { createDynamoDbHelpers } from './dynamodb-helpers.ts';
import { EarlyReturn, UtilError, type ResolverErrorRecord } from './signals.ts';
import { createRuntimeModule, type RuntimeHooks } from './util.ts';

export type Handler = (ctx: unknown) => unknown;

export interface AppSyncModule {
  file: string;
  request?: Handler;
  response?: Handler;
}

export type HandlerOutcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'early'; value: unknown; skipTo: 'END' | 'NEXT' | undefined }
  | { kind: 'error'; record: ResolverErrorRecord };

export class ModuleLoadError extends Error {
  override readonly name = 'ModuleLoadError';
}

/**
 * Handlers run synchronously, so one "current invocation" per process is enough: the executor
 * sets it around each call and the shared runtime module reads it.
 */
let current: RuntimeHooks | undefined;

const hooks: RuntimeHooks = {
  now: () => active().now(),
  authType: () => active().authType(),
  fieldInfo: () => active().fieldInfo(),
  appendError: (record) => active().appendError(record),
  log: (level, args) => active().log?.(level, args),
  extension: (name, args) => active().extension?.(name, args),
};

function active(): RuntimeHooks {
  if (!current) throw new Error('APPSYNC_JS runtime used outside a resolver invocation');
  return current;
}

const runtimeModule = createRuntimeModule(hooks);
const modules: Record<string, unknown> = {
  '@aws-appsync/utils': { util: runtimeModule.util, runtime: runtimeModule.runtime, extensions: runtimeModule.extensions },
  '@aws-appsync/utils/dynamodb': createDynamoDbHelpers(),
};

const IMPORT = /^import\s+(?:\*\s+as\s+([A-Za-z_$][\w$]*)|\{([^}]*)\})\s+from\s+["']([^"']+)["'];?/gm;
const EXPORT_LIST = /^export\s*\{([^}]*)\};?/gm;
const EXPORT_DECL = /^export\s+(function|const|let|var)\s+([A-Za-z_$][\w$]*)/gm;

/**
 * Rewrites the ES module's imports and exports in place, keeping every line where it was so
 * that positions in errors match the deployed code.js.
 */
export function toScript(source: string, file: string): string {
  const exported: string[] = [];
  for (const [, from] of source.matchAll(/^\s*import\s[^;]*?from\s+["']([^"']+)["']/gm)) {
    if (!(from! in modules)) {
      throw new ModuleLoadError(`${file}: AppSync provides only @aws-appsync/utils and @aws-appsync/utils/dynamodb to resolver code. Received an import of ${from}`);
    }
  }
  // AppSync type-checks code at deploy: a helper its modules do not have (ddb.sync, for one)
  // is refused there (TS2339), so it is refused here at load, not at the first request.
  for (const [, namespace, names, from] of source.matchAll(IMPORT)) {
    const provided = modules[from!] as Record<string, unknown>;
    const used = namespace
      ? [...source.matchAll(new RegExp(`\\b${namespace.replace(/\$/g, '\\$')}\\.([A-Za-z_$][\\w$]*)`, 'g'))].map((m) => m[1]!)
      : names!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!).filter(Boolean);
    const missing = [...new Set(used.filter((name) => !(name in provided)))];
    if (missing.length > 0) {
      throw new ModuleLoadError(`${file}: ${from} has no ${missing.join(', ')} on AppSync (it would not deploy: TS2339).`);
    }
  }
  let code = source.replace(IMPORT, (whole, namespace: string | undefined, names: string | undefined, from: string) => {
    if (!(from in modules)) {
      throw new ModuleLoadError(`${file}: AppSync provides only @aws-appsync/utils and @aws-appsync/utils/dynamodb to resolver code. Received an import of ${from}`);
    }
    const lines = whole.split('\n').length - 1;
    const binding = namespace
      ? namespace
      : `{ ${names!
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean)
          .map((n) => n.replace(/\s+as\s+/, ': '))
          .join(', ')} }`;
    return `const ${binding} = __modules[${JSON.stringify(from)}];` + '\n'.repeat(lines);
  });
  if (/^\s*import\s/m.test(code)) throw new ModuleLoadError(`${file}: an import form the emulator cannot load (use named or namespace imports).`);
  code = code.replace(EXPORT_LIST, (whole, names: string) => {
    for (const part of names.split(',').map((n) => n.trim()).filter(Boolean)) {
      const [local, as] = part.split(/\s+as\s+/);
      exported.push(`__exports[${JSON.stringify(as ?? local)}] = ${local};`);
    }
    return '\n'.repeat(whole.split('\n').length - 1);
  });
  code = code.replace(EXPORT_DECL, (_whole, kind: string, name: string) => {
    exported.push(`__exports[${JSON.stringify(name)}] = ${name};`);
    return `${kind} ${name}`;
  });
  return `(function (__modules, __exports) { "use strict"; ${code}\n${exported.join(' ')}\n})`;
}

export function loadModule(source: string, file: string): AppSyncModule {
  const script = toScript(source, file);
  const context = vm.createContext({
    util: runtimeModule.util,
    runtime: runtimeModule.runtime,
    extensions: runtimeModule.extensions,
    console: runtimeModule.console,
  });
  let compiled: vm.Script;
  try {
    compiled = new vm.Script(script, { filename: 'code.js' });
  } catch (error) {
    throw new ModuleLoadError(`${file}: ${(error as Error).message}`);
  }
  const exports: Record<string, unknown> = {};
  (compiled.runInContext(context) as (m: Record<string, unknown>, e: Record<string, unknown>) => void)(modules, exports);
  const handler = (name: string): Handler | undefined => (typeof exports[name] === 'function' ? (exports[name] as Handler) : undefined);
  return { file, request: handler('request'), response: handler('response') };
}

/** `code.js:L:C: TypeError: message`, as AppSync reports runtime errors (APPSYNC.md §0.2). */
function codeErrorMessage(error: { name?: unknown; message?: unknown; stack?: unknown }): string {
  const stack = typeof error.stack === 'string' ? error.stack : '';
  const at = /code\.js:(\d+):(\d+)/.exec(stack);
  const position = at ? `code.js:${at[1]}:${at[2]}` : 'code.js';
  return `${position}: ${String(error.name ?? 'Error')}: ${String(error.message ?? '')}`;
}

export function callHandler(handler: Handler | undefined, ctx: unknown, invocation: RuntimeHooks, fallback: unknown): HandlerOutcome {
  if (!handler) return { kind: 'value', value: fallback };
  const previous = current;
  current = invocation;
  try {
    return { kind: 'value', value: handler(ctx) };
  } catch (error) {
    if (error instanceof UtilError) return { kind: 'error', record: error.record };
    if (error instanceof EarlyReturn) return { kind: 'early', value: error.value, skipTo: error.skipTo };
    const e = (error ?? {}) as { name?: unknown; message?: unknown; stack?: unknown };
    return { kind: 'error', record: { message: codeErrorMessage(e), errorType: 'Code', data: null, errorInfo: null } };
  } finally {
    current = previous;
  }
}
