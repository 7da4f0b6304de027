// Loads an APPSYNC_JS module (the bundle that deploys) into its own sandbox and calls its
// handlers the way AppSync does: util.error and earlyReturn stop the handler, a runtime error
// becomes errorType "Code" with the position in code.js.
import vm from 'node:vm';
import ts from 'typescript';
import { createDynamoDbHelpers } from './dynamodb-helpers.ts';
import { describePosition, sourceLocator, type SourceLocator } from './source-map.ts';
import { EarlyReturn, Unauthorized, UtilError, type ResolverErrorRecord } from './signals.ts';
import { createRuntimeModule, type RuntimeHooks } from './util.ts';

export type Handler = (ctx: unknown) => unknown;

export interface AppSyncModule {
  file: string;
  /** Maps a code.js position to the resolver source, through the bundle's source map. */
  locate: SourceLocator | undefined;
  request?: Handler;
  response?: Handler;
}

export type HandlerOutcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'early'; value: unknown; skipTo: 'END' | 'NEXT' | undefined }
  /** unauthorized: raised by util.unauthorized(), which EvaluateCode words differently ("Unauthorized"). */
  | { kind: 'error'; record: ResolverErrorRecord; unauthorized?: boolean };

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
  // AppSync has it; the emulator only lets code import it (EvaluateCode's usual preamble does)
  // and refuses at load any use of its helpers, since it runs no RDS data source.
  '@aws-appsync/utils/rds': {},
};
const UNIMPLEMENTED = new Set(['@aws-appsync/utils/rds']);

/** The modules AppSync provides, by the short index the rewritten code uses to reach them. */
const MODULE_NAMES = Object.keys(modules);

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Turns the ES module into a function body with a real parser (TypeScript's, already here for
 * the lint rules): import declarations become `const` bindings to the provided modules and
 * `export` keywords are blanked, each edit padded so that every other character keeps its line
 * and column. Positions in errors then match the deployed code.js, however the code is indented
 * or wrapped.
 */
export function toScript(source: string, file: string): string {
  const sf = ts.createSourceFile('code.js', source, ts.ScriptTarget.ESNext, true, ts.ScriptKind.JS);
  const edits: Edit[] = [];
  const exported: string[] = [];
  const refuse = (node: ts.Node, message: string): never => {
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    throw new ModuleLoadError(`${file}: code.js:${line + 1}:${character + 1}: ${message}`);
  };
  const exportKeyword = (node: ts.Node): void => {
    for (const modifier of ts.getModifiers(node as ts.HasModifiers) ?? []) {
      if (modifier.kind === ts.SyntaxKind.ExportKeyword) edits.push({ start: modifier.getStart(sf), end: modifier.getEnd(), text: '' });
      if (modifier.kind === ts.SyntaxKind.DefaultKeyword) refuse(node, 'AppSync calls the exported request and response functions; a default export is never called.');
    }
  };
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement)) {
      edits.push({ start: statement.getStart(sf), end: statement.getEnd(), text: importBinding(statement, sf, file, refuse) });
    } else if (ts.isExportDeclaration(statement)) {
      if (statement.moduleSpecifier) refuse(statement, 'AppSync resolver code cannot re-export from another module.');
      const clause = statement.exportClause;
      if (!clause || !ts.isNamedExports(clause)) refuse(statement, 'an export form the emulator cannot load (use export { … } or export function).');
      for (const element of (clause as ts.NamedExports).elements) {
        exported.push(`__x[${JSON.stringify(element.name.text)}] = ${(element.propertyName ?? element.name).getText(sf)};`);
      }
      edits.push({ start: statement.getStart(sf), end: statement.getEnd(), text: '' });
    } else if (ts.isExportAssignment(statement)) {
      refuse(statement, 'AppSync calls the exported request and response functions; a default export is never called.');
    } else if (ts.isFunctionDeclaration(statement) && statement.name && hasExport(statement)) {
      exportKeyword(statement);
      exported.push(`__x[${JSON.stringify(statement.name.text)}] = ${statement.name.text};`);
    } else if (ts.isVariableStatement(statement) && hasExport(statement)) {
      exportKeyword(statement);
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name)) refuse(declaration, 'an export form the emulator cannot load (export each name on its own).');
        const name = (declaration.name as ts.Identifier).text;
        exported.push(`__x[${JSON.stringify(name)}] = ${name};`);
      }
    } else if (hasExport(statement)) {
      refuse(statement, 'AppSync resolver code exports functions and constants only.');
    }
  }
  return `(function (__m, __x) { "use strict";\n${applyEdits(source, edits)}\n;${exported.join(' ')}\n})`;
}

function hasExport(node: ts.Node): boolean {
  return (ts.getModifiers(node as ts.HasModifiers) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** `const { util, runtime: rt } = __m[0];` for the import, after checking AppSync has every name it takes. */
function importBinding(statement: ts.ImportDeclaration, sf: ts.SourceFile, file: string, refuse: (node: ts.Node, message: string) => never): string {
  const from = (statement.moduleSpecifier as ts.StringLiteral).text;
  if (!(from in modules)) {
    throw new ModuleLoadError(`${file}: AppSync provides only @aws-appsync/utils and its /dynamodb and /rds modules to resolver code. Received an import of ${from}`);
  }
  const clause = statement.importClause;
  if (!clause || clause.isTypeOnly) return '';
  const provided = modules[from] as Record<string, unknown>;
  const index = MODULE_NAMES.indexOf(from);
  if (clause.name) refuse(clause, `${from} has no default export on AppSync (use named or namespace imports).`);
  const bindings = clause.namedBindings;
  if (!bindings) return '';
  let used: string[];
  let binding: string;
  if (ts.isNamespaceImport(bindings)) {
    // AppSync type-checks code at deploy: a helper its modules do not have (ddb.sync, for one)
    // is refused there (TS2339), so it is refused here at load, not at the first request.
    used = membersUsed(sf, bindings.name.text);
    binding = bindings.name.text;
  } else {
    const elements = bindings.elements.filter((e) => !e.isTypeOnly);
    used = elements.map((e) => (e.propertyName ?? e.name).text);
    binding = `{ ${elements.map((e) => (e.propertyName ? `${e.propertyName.text}: ${e.name.text}` : e.name.text)).join(', ')} }`;
  }
  const missing = [...new Set(used.filter((name) => !(name in provided)))];
  if (missing.length > 0 && UNIMPLEMENTED.has(from)) {
    throw new ModuleLoadError(`${file}: the emulator does not implement ${from} (${missing.join(', ')}); it runs DynamoDB, Lambda and NONE data sources only.`);
  }
  if (missing.length > 0) throw new ModuleLoadError(`${file}: ${from} has no ${missing.join(', ')} on AppSync (it would not deploy: TS2339).`);
  return `const ${binding} = __m[${index}];`;
}

/** Every `ns.member` and `ns["member"]` in the file. */
function membersUsed(sf: ts.SourceFile, namespace: string): string[] {
  const names: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === namespace) names.push(node.name.text);
    if (ts.isElementAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === namespace && ts.isStringLiteral(node.argumentExpression)) {
      names.push(node.argumentExpression.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return names;
}

/**
 * Replaces each span by its text, then pads: the replacement sits where the span started, the
 * span's line breaks follow it, and spaces bring the last line back to the column the span ended
 * at, so everything after the span is where it was.
 */
function applyEdits(source: string, edits: Edit[]): string {
  let out = '';
  let cursor = 0;
  for (const edit of edits.sort((a, b) => a.start - b.start)) {
    out += source.slice(cursor, edit.start);
    const span = source.slice(edit.start, edit.end);
    const lines = span.split('\n');
    if (lines.length === 1 && edit.text.length <= span.length) {
      out += edit.text.padEnd(span.length, ' ');
    } else {
      const lineStart = source.lastIndexOf('\n', edit.start - 1) + 1;
      const endColumn = lines.length === 1 ? edit.start - lineStart + span.length : lines[lines.length - 1]!.length;
      // A replacement longer than a one-line span moves only what follows it on that line.
      out += edit.text + '\n'.repeat(lines.length - 1) + ' '.repeat(lines.length === 1 ? Math.max(0, span.length - edit.text.length) : endColumn);
    }
    cursor = edit.end;
  }
  return out + source.slice(cursor);
}

export function loadModule(source: string, file: string): AppSyncModule {
  const script = toScript(source, file);
  const context = vm.createContext({
    util: runtimeModule.util,
    runtime: runtimeModule.runtime,
    extensions: runtimeModule.extensions,
    console: runtimeModule.console,
  });
  const locate = sourceLocator(source);
  let compiled: vm.Script;
  try {
    // The wrapper's first line sits above line 1, so V8's positions are code.js's.
    compiled = new vm.Script(script, { filename: 'code.js', lineOffset: -1 });
  } catch (error) {
    // V8 puts the failing line first in a SyntaxError's stack: "code.js:12".
    const at = /^code\.js:(\d+)/.exec(String((error as Error).stack));
    const original = at ? locate?.(Number(at[1]), 1) : undefined;
    const where = at ? `${original ? `${original.source}:${original.line} (code.js:${at[1]})` : `code.js:${at[1]}`}: ` : '';
    throw new ModuleLoadError(`${file}: ${where}${(error as Error).message}`);
  }
  const exports: Record<string, unknown> = {};
  (compiled.runInContext(context) as (m: unknown[], e: Record<string, unknown>) => void)(MODULE_NAMES.map((name) => modules[name]), exports);
  const handler = (name: string): Handler | undefined => {
    const fn = exports[name];
    if (typeof fn !== 'function') return undefined;
    const h = fn as Handler;
    origins.set(h, { file, locate });
    return h;
  };
  return { file, locate, request: handler('request'), response: handler('response') };
}

/** Where each loaded handler came from, so a runtime error can be logged at its source line. */
const origins = new WeakMap<Handler, { file: string; locate: SourceLocator | undefined }>();

/** Where a runtime error happened in code.js: the first code.js frame of its stack (1-based). */
function codePosition(error: { stack?: unknown }): { line: number; column: number } | undefined {
  const at = /code\.js:(\d+):(\d+)/.exec(typeof error.stack === 'string' ? error.stack : '');
  return at ? { line: Number(at[1]), column: Number(at[2]) } : undefined;
}

export function callHandler(handler: Handler | undefined, ctx: unknown, invocation: RuntimeHooks, fallback: unknown): HandlerOutcome {
  if (!handler) return { kind: 'value', value: fallback };
  const previous = current;
  current = invocation;
  try {
    return { kind: 'value', value: handler(ctx) };
  } catch (error) {
    if (error instanceof UtilError) return { kind: 'error', record: error.record, unauthorized: error instanceof Unauthorized };
    if (error instanceof EarlyReturn) return { kind: 'early', value: error.value, skipTo: error.skipTo };
    const e = (error ?? {}) as { name?: unknown; message?: unknown; stack?: unknown };
    const at = codePosition(e);
    const what = `${String(e.name ?? 'Error')}: ${String(e.message ?? '')}`;
    // The client sees AppSync's `code.js:L:C: TypeError: …` (APPSYNC.md §0.2); the log says
    // where that is in the resolver's source.
    const origin = origins.get(handler);
    if (at && origin?.locate) {
      const description = `${what} at ${describePosition(origin.locate, at.line, at.column)}`;
      if (invocation.codeError) invocation.codeError(description);
      else invocation.log?.('error', [description]);
    }
    return { kind: 'error', record: { message: `${at ? `code.js:${at.line}:${at.column}` : 'code.js'}: ${what}`, errorType: 'Code', data: null, errorInfo: null } };
  } finally {
    current = previous;
  }
}
