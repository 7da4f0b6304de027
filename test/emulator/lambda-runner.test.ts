// The Lambda runner (containers in worker threads) against tiny CommonJS bundles, then a Lambda
// data source wired like emulator/start.ts under the engine (APPSYNC.md §3, §8.20, §8.22).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DataSourceCall } from '../../emulator/appsync/engine.ts';
import { LambdaRunner, type InvokeResult, type LambdaSpec, type RunnerOptions } from '../../emulator/lambda/runner.ts';
import { buildEngine, run } from '../helpers/engine.ts';

// Each bundle is what esbuild would leave in an asset folder: index.js plus a CommonJS package.json.
const BUNDLES: Record<string, string> = {
  echo: `exports.handler = async (event) => event;`,
  // Its init never finishes in time (a module that blocks while loading).
  slowInit: `const end = Date.now() + 1500; while (Date.now() < end) {}\nexports.handler = async () => 'ready';`,
  // Module state lives as long as the container: `instance` tells containers apart, `invocations`
  // counts warm calls, `inits` counts module evaluations in this thread.
  counter: `
    const instance = Math.random().toString(36).slice(2);
    globalThis.inits = (globalThis.inits || 0) + 1;
    let invocations = 0;
    exports.handler = async (event, context) => {
      invocations += 1;
      const startedAt = Date.now();
      if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
      if (event.busyMs) { const end = Date.now() + event.busyMs; while (Date.now() < end) {} }
      if (event.hang) { for (;;) {} }
      if (event.leak) process.env.LEAKED_FROM_HANDLER = 'yes';
      return { instance, invocations, inits: globalThis.inits, env: { ...process.env }, requestId: context.awsRequestId, startedAt, endedAt: Date.now() };
    };`,
  thrower: `
    class QuotaError extends Error { constructor(m) { super(m); this.name = 'QuotaError'; } }
    exports.handler = async (event) => {
      if (event.kind === 'custom') throw new QuotaError('over the limit');
      if (event.kind === 'type') return Promise.reject(new TypeError('not a number'));
      throw new Error('boom: ' + event.kind);
    };`,
  serializer: `
    exports.handler = async (event) => event.nothing ? undefined : { when: new Date(0), missing: undefined, list: [undefined, 1], nested: { at: new Date(86400000) } };`,
  // Errors that escape the handler's promise end the container, as in Lambda's Node.js runtime.
  crasher: `
    exports.handler = async (event) => {
      if (event.kind === 'timer') setTimeout(() => { throw new Error('thrown in a timer'); }, 5);
      if (event.kind === 'reject') Promise.reject(new RangeError('nobody waited'));
      if (event.kind === 'exit') process.exit(3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return 'too late';
    };`,
  broken: `throw new Error('cannot load config');\nexports.handler = async () => 'never';`,
};

let bundles: string;
const runners: LambdaRunner[] = [];

beforeAll(() => {
  bundles = mkdtempSync(join(tmpdir(), 'tollgate-lambda-'));
  for (const [name, code] of Object.entries(BUNDLES)) {
    mkdirSync(join(bundles, name));
    writeFileSync(join(bundles, name, 'index.js'), code);
    writeFileSync(join(bundles, name, 'package.json'), JSON.stringify({ type: 'commonjs' }));
  }
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});

afterAll(() => {
  rmSync(bundles, { recursive: true, force: true });
});

function spec(name: string, overrides: Partial<LambdaSpec> = {}): LambdaSpec {
  return { functionName: name, codeDir: join(bundles, name), handler: 'index.handler', timeoutSeconds: 10, memoryMb: 128, environment: {}, ...overrides };
}

/** A runner with the given functions registered under their bundle names; closed after each test. */
function runnerWith(specs: LambdaSpec[], options: RunnerOptions = {}): LambdaRunner {
  const runner = new LambdaRunner({ log: () => undefined, ...options });
  for (const s of specs) runner.register(s.functionName, s);
  runners.push(runner);
  return runner;
}

interface CounterPayload {
  instance: string;
  invocations: number;
  inits: number;
  env: Record<string, string>;
  requestId: string;
  /** When the handler began and ended (Date.now() inside the container). */
  startedAt: number;
  endedAt: number;
}

/** The most handlers that were running at one instant. */
function peakOverlap(runs: CounterPayload[]): number {
  const edges = runs.flatMap((r) => [[r.startedAt, 1] as const, [r.endedAt, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let peak = 0;
  for (const [, change] of edges) {
    running += change;
    peak = Math.max(peak, running);
  }
  return peak;
}

function ok(result: InvokeResult): CounterPayload {
  if (!result.ok) throw new Error(`invocation failed: ${result.errorType}: ${result.errorMessage}`);
  return result.payload as CounterPayload;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

describe('events and results', () => {
  it.each([
    ['an object with nested values', { a: 1, n: 1.5, nested: { list: [1, 'two', null, { deep: true }] }, text: 'Zoë ✓ 日本' }],
    ['an array', [1, 'x', null]],
    ['a string', 'just text'],
    ['null', null],
  ])('delivers %s to the handler exactly as given (aws-lambda-go#344, §3.2, §8.20)', async (_label, event) => {
    const runner = runnerWith([spec('echo')]);
    expect(await runner.invoke('echo', event)).toMatchObject({ ok: true, payload: event });
  });

  it('serializes the result as Lambda does: Dates become ISO strings, undefined properties vanish, undefined in arrays becomes null', async () => {
    const runner = runnerWith([spec('serializer')]);
    const out = await runner.invoke('serializer', {});
    expect(out.ok).toBe(true);
    expect(out.ok && out.payload).toEqual({ when: '1970-01-01T00:00:00.000Z', list: [null, 1], nested: { at: '1970-01-02T00:00:00.000Z' } });
    expect(out.ok && Object.hasOwn(out.payload as object, 'missing')).toBe(false);
  });

  it('gives null when the handler returns undefined', async () => {
    const runner = runnerWith([spec('serializer')]);
    expect(await runner.invoke('serializer', { nothing: true })).toMatchObject({ ok: true, payload: null });
  });
});

describe('containers', () => {
  it('give the handler exactly the configured environment, not the host’s, and keep its writes to itself', async () => {
    expect(process.env.PATH).toBeDefined();
    const runner = runnerWith([spec('counter', { environment: { STAGE: 'test', TABLE_NAME: 'things' } })]);
    const { env } = ok(await runner.invoke('counter', {}));
    expect(env).toEqual({ STAGE: 'test', TABLE_NAME: 'things' });
    expect(env.HOME).toBeUndefined();
    expect(env.PATH).toBeUndefined();
    // A handler that writes process.env changes its container, not the host.
    expect(ok(await runner.invoke('counter', { leak: true })).env.LEAKED_FROM_HANDLER).toBe('yes');
    expect(process.env.LEAKED_FROM_HANDLER).toBeUndefined();
  });

  it('initialize the module once per container (cold start) and reuse it while warm', async () => {
    const runner = runnerWith([spec('counter')], { maxContainers: 1 });
    const first = await runner.invoke('counter', {});
    const second = await runner.invoke('counter', {});
    const third = await runner.invoke('counter', {});
    expect([first.coldStart, second.coldStart, third.coldStart]).toEqual([true, false, false]);
    expect([ok(first), ok(second), ok(third)].map((p) => [p.invocations, p.inits])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(new Set([ok(first).instance, ok(second).instance, ok(third).instance]).size).toBe(1);
    expect(ok(first).requestId).not.toBe(ok(second).requestId);
  });

  it('each have their own module instance', async () => {
    const runner = runnerWith([spec('counter')], { maxContainers: 2 });
    const [a, b] = await Promise.all([runner.invoke('counter', { sleepMs: 100 }), runner.invoke('counter', { sleepMs: 100 })]);
    expect(ok(a).instance).not.toBe(ok(b).instance);
    // A fresh module per container: neither saw the other's invocation.
    expect([ok(a).invocations, ok(b).invocations, ok(a).inits, ok(b).inits]).toEqual([1, 1, 1, 1]);
    expect([a.coldStart, b.coldStart]).toEqual([true, true]);
  });

  it('run concurrent invocations in parallel up to maxContainers and queue the rest (200 ms handler: 4 → one wave, 8 → two)', async () => {
    const runner = runnerWith([spec('counter')], { maxContainers: 4 });
    const burst = (n: number) => timed(() => Promise.all(Array.from({ length: n }, () => runner.invoke('counter', { sleepMs: 200 }))));
    // Warm four containers so that worker start-up does not count.
    const warm = await burst(4);
    const containers = new Set(warm.value.map((r) => ok(r).instance));
    expect(containers.size).toBe(4);

    // Judged by when each handler ran, not by wall-clock bounds a loaded machine could break.
    const four = await burst(4);
    expect(peakOverlap(four.value.map(ok))).toBe(4);
    expect(four.ms).toBeGreaterThanOrEqual(190);

    const eight = await burst(8);
    const runs = eight.value.map(ok).sort((a, b) => a.startedAt - b.startedAt);
    expect(peakOverlap(runs)).toBe(4);
    // The second four waited for containers: each began once one of the first four had ended.
    const firstEnds = runs.slice(0, 4).map((r) => r.endedAt).sort((a, b) => a - b);
    for (const r of runs.slice(4)) expect(r.startedAt).toBeGreaterThanOrEqual(firstEnds[0]!);
    expect(eight.ms).toBeGreaterThanOrEqual(390);
    // The queued four reused the warm containers: no fifth container, no cold start.
    expect(eight.value.every((r) => !r.coldStart && containers.has(ok(r).instance))).toBe(true);
  });

  it('run a CPU-bound handler without blocking the main event loop', async () => {
    const runner = runnerWith([spec('counter')]);
    await runner.invoke('counter', {});
    const ticks: number[] = [];
    const interval = setInterval(() => ticks.push(performance.now()), 10);
    const started = performance.now();
    const { value, ms } = await timed(() => runner.invoke('counter', { busyMs: 300 }));
    clearInterval(interval);
    expect(value.ok).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(290);
    // The main thread kept ticking while the handler worked: a handler run on it would allow no
    // tick until the end, one gap as long as the whole call. (Loose bounds: a busy machine may
    // delay ticks, but cannot make a blocked loop tick.)
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const gaps = [ticks[0]! - started, ...ticks.slice(1).map((t, i) => t - ticks[i]!)];
    expect(Math.max(...gaps)).toBeLessThan(ms * 0.75);
  });
});

describe('failures (§3.4)', () => {
  it('kill the container on timeout with Sandbox.Timedout, and the next invocation starts cold', async () => {
    const runner = runnerWith([spec('counter', { timeoutSeconds: 1 })], { maxContainers: 1 });
    const before = ok(await runner.invoke('counter', {}));
    const { value: timedOut, ms } = await timed(() => runner.invoke('counter', { hang: true }));
    expect(timedOut).toMatchObject({ ok: false, errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
    expect(ms).toBeGreaterThanOrEqual(990);
    expect(ms).toBeLessThan(3000);

    const after = await runner.invoke('counter', {});
    expect(after.coldStart).toBe(true);
    expect(ok(after).invocations).toBe(1);
    expect(ok(after).instance).not.toBe(before.instance);
  });

  it.each([
    ['a thrown Error', { kind: 'plain' }, { errorType: 'Error', errorMessage: 'boom: plain' }],
    ['an error with its own name', { kind: 'custom' }, { errorType: 'QuotaError', errorMessage: 'over the limit' }],
    ['a rejected promise', { kind: 'type' }, { errorType: 'TypeError', errorMessage: 'not a number' }],
  ])('report %s as {ok:false, errorType, errorMessage}', async (_label, event, expected) => {
    const runner = runnerWith([spec('thrower')]);
    expect(await runner.invoke('thrower', event)).toMatchObject({ ok: false, ...expected });
  });

  it('keep the container after a handler error: the next invocation is warm', async () => {
    const runner = runnerWith([spec('thrower')], { maxContainers: 1 });
    const first = await runner.invoke('thrower', { kind: 'plain' });
    const second = await runner.invoke('thrower', { kind: 'plain' });
    expect([first.coldStart, second.coldStart]).toEqual([true, false]);
  });

  it.each([
    ['a throw outside the handler’s promise', 'timer', { errorType: 'Error', errorMessage: 'thrown in a timer' }],
    ['an unhandled rejection', 'reject', { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'RangeError: nobody waited' }],
    ['process.exit', 'exit', { errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/Runtime exited with error: exit status 3$/) }],
  ])('fail the invocation at once on %s, and the next one gets a fresh container', async (_label, kind, expected) => {
    const runner = runnerWith([spec('crasher', { timeoutSeconds: 5 })], { maxContainers: 1 });
    const { value: first, ms } = await timed(() => runner.invoke('crasher', { kind }));
    expect(first).toMatchObject({ ok: false, ...expected });
    expect(ms).toBeLessThan(2000);
    const next = await runner.invoke('crasher', {});
    expect(next).toMatchObject({ ok: true, payload: 'too late', coldStart: true });
  });

  it('report a module that throws at load on every invocation', async () => {
    const runner = runnerWith([spec('broken')]);
    for (let i = 0; i < 2; i += 1) {
      expect(await runner.invoke('broken', {})).toMatchObject({ ok: false, errorType: 'Error', errorMessage: 'cannot load config' });
    }
  });

  it('abandon a container whose init runs past the init limit', async () => {
    const runner = runnerWith([spec('slowInit')], { initTimeoutMs: 200 });
    const started = performance.now();
    expect(await runner.invoke('slowInit', {})).toMatchObject({ ok: false, errorType: 'Runtime.InitError', errorMessage: 'INIT timed out after 0.20 seconds' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('report a handler the bundle does not export as Runtime.HandlerNotFound', async () => {
    const runner = runnerWith([spec('echo', { handler: 'index.missing' })]);
    expect(await runner.invoke('echo', {})).toMatchObject({ ok: false, errorType: 'Runtime.HandlerNotFound' });
  });
});

describe('a Lambda data source under the engine (§3, §8.20, §8.22)', () => {
  // The wiring of emulator/start.ts for a resolver with a request handler: the payload is the
  // event; a failed invocation becomes ctx.error with type Lambda:Unhandled (§3.4).
  const lambdaDataSource =
    (runner: LambdaRunner, id: string): DataSourceCall =>
    async (request) => {
      const out = await runner.invoke(id, (request as { payload?: unknown }).payload);
      if (!out.ok) return { result: null, error: { message: out.errorMessage, type: 'Lambda:Unhandled', unhandledErrorType: out.errorType } };
      return { result: out.payload };
    };

  const SDL = `
    type Query {
      echo(word: String): String
      failure(kind: String): LambdaFailure
      raised(kind: String): String
    }
    type LambdaFailure { type: String, message: String, unhandledErrorType: String, result: String }
  `;

  function engineWith(runner: LambdaRunner) {
    return buildEngine(SDL, [
      {
        coordinate: 'Query.echo',
        code: `export function request(ctx) { return { operation: 'Invoke', payload: { field: ctx.info.fieldName, args: ctx.args, fixed: { n: 1.5, list: [1, 'two', null] } } }; }
export function response(ctx) { return JSON.stringify(ctx.result); }`,
        dataSource: lambdaDataSource(runner, 'echo'),
      },
      {
        coordinate: 'Query.failure',
        code: `export function request(ctx) { return { operation: 'Invoke', payload: { kind: ctx.args.kind } }; }
export function response(ctx) { return { type: ctx.error.type, message: ctx.error.message, unhandledErrorType: ctx.error.unhandledErrorType, result: JSON.stringify(ctx.result) }; }`,
        dataSource: lambdaDataSource(runner, 'thrower'),
      },
      {
        coordinate: 'Query.raised',
        code: `export function request(ctx) { return { operation: 'Invoke', payload: { kind: ctx.args.kind } }; }
export function response(ctx) { if (ctx.error) { util.error(ctx.error.message, ctx.error.type); } return 'fine'; }`,
        dataSource: lambdaDataSource(runner, 'thrower'),
      },
    ]);
  }

  it('the Lambda receives exactly the payload of {operation:"Invoke", payload}, not the wrapper (aws-lambda-go#344, §8.20)', async () => {
    const engine = engineWith(runnerWith([spec('echo'), spec('thrower')]));
    const out = await run(engine, '{ echo(word: "hi") }');
    expect(out.errors).toBeUndefined();
    expect(JSON.parse(String(out.data?.echo))).toEqual({ field: 'echo', args: { word: 'hi' }, fixed: { n: 1.5, list: [1, 'two', null] } });
  });

  it.each([
    ['Error', 'plain', 'boom: plain'],
    ['QuotaError', 'custom', 'over the limit'],
  ])('a throwing Lambda (%s) gives ctx.error {type:"Lambda:Unhandled", message, unhandledErrorType} and a null result (aws-appsync-community#209, #386, §8.22)', async (errorType, kind, message) => {
    const engine = engineWith(runnerWith([spec('echo'), spec('thrower')]));
    const out = await run(engine, `{ failure(kind: "${kind}") { type message unhandledErrorType result } }`);
    expect(out).toEqual({ data: { failure: { type: 'Lambda:Unhandled', message, unhandledErrorType: errorType, result: 'null' } } });
  });

  it('re-raised with util.error, the client sees errorType Lambda:Unhandled and the thrown message (§3.4, §5.1)', async () => {
    const engine = engineWith(runnerWith([spec('echo'), spec('thrower')]));
    const out = await run(engine, '{ raised(kind: "plain") }');
    expect(out.data).toEqual({ raised: null });
    expect(out.errors).toMatchObject([{ path: ['raised'], errorType: 'Lambda:Unhandled', message: 'boom: plain', data: null, errorInfo: null }]);
  });
});
