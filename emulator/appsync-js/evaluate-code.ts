// AppSync's EvaluateCode, offline: runs one handler of APPSYNC_JS code against a given context
// and answers in EvaluateCode's shape, the way AWS recommends unit-testing resolvers.
// API: https://docs.aws.amazon.com/appsync/latest/APIReference/API_EvaluateCode.html (input
// limits, output fields) and API_CodeError.html (LINT_ERROR / PARSER_ERROR), checked 2026-11-30.
import { lintSource } from './lint.ts';
import { callHandler, loadModule, ModuleLoadError, type AppSyncModule } from './module.ts';
import type { ResolverErrorRecord } from './signals.ts';
import type { RuntimeHooks } from './util.ts';

export interface EvaluateCodeInput {
  /** The code as it deploys: an ES module exporting request and response (at most 32,768 characters). */
  code: string;
  /** The context as EvaluateCode takes it, a JSON string (2 to 28,000 characters) — or the object. */
  context: string | Record<string, unknown>;
  /** Which handler to run; EvaluateCode's `function`. */
  function?: 'request' | 'response';
  runtime?: { name: string; runtimeVersion: string };
  /** Epoch milliseconds util.time reads; the machine's clock by default. */
  now?: () => number;
}

export interface CodeError {
  errorType: 'LINT_ERROR' | 'PARSER_ERROR';
  value: string;
  location: { line: number; column: number; span: number };
}

export interface EvaluateCodeOutput {
  /** The handler's return value as JSON, when it returned. */
  evaluationResult?: string;
  error?: { message: string; codeErrors?: CodeError[] };
  logs: string[];
  /** The stash after the handler, as JSON. */
  stash?: string;
  /** Errors util.appendError added, as JSON. */
  outErrors?: string;
}

/** What EvaluateCode refuses with a BadRequestException before running anything. */
export class EvaluateCodeInputError extends Error {
  override readonly name = 'BadRequestException';
}

const MAX_CODE = 32_768;
const CONTEXT_LENGTH = { min: 2, max: 28_000 };

function parseContext(context: EvaluateCodeInput['context']): Record<string, unknown> {
  const text = typeof context === 'string' ? context : JSON.stringify(context);
  if (text.length < CONTEXT_LENGTH.min || text.length > CONTEXT_LENGTH.max) {
    throw new EvaluateCodeInputError(`context must have ${CONTEXT_LENGTH.min} to ${CONTEXT_LENGTH.max} characters. Received: ${text.length}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EvaluateCodeInputError('context is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new EvaluateCodeInputError('context must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/** util.authType() from the identity the context carries (APPSYNC.md §8.36 for the two modes Tollgate uses). */
function authTypeOf(identity: unknown): string {
  if (identity === null || identity === undefined) return 'API Key Authorization';
  const keys = new Set(Object.keys(identity as object));
  if (keys.has('resolverContext')) return 'Lambda Authorization';
  if (keys.has('sub') || keys.has('claims')) return keys.has('issuer') && !keys.has('username') ? 'Open ID Connect Authorization' : 'User Pool Authorization';
  if (keys.has('accountId') || keys.has('userArn')) return 'IAM Authorization';
  return 'API Key Authorization';
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function json(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

/**
 * Runs `function` of `code` with `context`, as EvaluateCode does: code AppSync would not accept
 * comes back as codeErrors, util.error as its message, util.unauthorized as "Unauthorized", a
 * runtime error as `code.js:L:C: TypeError: …`; console output goes to logs.
 */
export async function evaluateCode(input: EvaluateCodeInput): Promise<EvaluateCodeOutput> {
  if (input.runtime && (input.runtime.name !== 'APPSYNC_JS' || input.runtime.runtimeVersion !== '1.0.0')) {
    throw new EvaluateCodeInputError(`Only the APPSYNC_JS runtime, version 1.0.0, is supported. Received: ${input.runtime.name} ${input.runtime.runtimeVersion}`);
  }
  if (typeof input.code !== 'string' || input.code.length === 0 || input.code.length > MAX_CODE) {
    throw new EvaluateCodeInputError(`code must have 1 to ${MAX_CODE} characters.`);
  }
  const fn = input.function ?? 'request';
  if (fn !== 'request' && fn !== 'response') throw new EvaluateCodeInputError(`function must be request or response. Received: ${String(fn)}`);
  const context = parseContext(input.context);
  const logs: string[] = [];

  const problems = lintSource(input.code);
  if (problems.length > 0) {
    const codeErrors: CodeError[] = problems.map((p) => ({
      errorType: p.rule === 'parse' ? 'PARSER_ERROR' : 'LINT_ERROR',
      value: p.rule === 'parse' ? p.message : `${p.message} (${p.rule})`,
      location: { line: p.line, column: p.column, span: -1 },
    }));
    return { error: { message: 'The code contains one or more errors.', codeErrors }, logs };
  }
  let module: AppSyncModule;
  try {
    module = loadModule(input.code, 'code.js');
  } catch (error) {
    if (!(error instanceof ModuleLoadError)) throw error;
    return { error: { message: error.message.replace(/^code\.js: /, '') }, logs };
  }

  const args = (context.arguments ?? context.args ?? {}) as Record<string, unknown>;
  const stash = (context.stash ?? {}) as Record<string, unknown>;
  const info = (context.info ?? {}) as { fieldName?: string; parentTypeName?: string };
  const ctx = { ...context, arguments: args, args, stash };
  const appended: ResolverErrorRecord[] = [];
  const hooks: RuntimeHooks = {
    now: input.now ?? Date.now,
    authType: () => authTypeOf(context.identity),
    fieldInfo: () => ({ fieldName: info.fieldName ?? '', parentTypeName: info.parentTypeName ?? '' }),
    appendError: (record) => appended.push(record),
    log: (_level, values) => logs.push(values.map(show).join(' ')),
    // EvaluateCode's logs hold what the code logged, nothing of the emulator's own.
    codeError: () => undefined,
  };
  const handler = fn === 'request' ? module.request : module.response;
  if (!handler) return { error: { message: `The code does not export a ${fn} function.` }, logs };
  const outcome = callHandler(handler, ctx, hooks, null);
  const after = { logs, stash: json(stash), ...(appended.length > 0 ? { outErrors: json(appended) } : {}) };
  if (outcome.kind === 'error') {
    return { ...after, error: { message: outcome.unauthorized ? 'Unauthorized' : outcome.record.message } };
  }
  return { ...after, evaluationResult: json(outcome.value) };
}
