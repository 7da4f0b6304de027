// Runs Lambda bundles as Lambda would: each container is a worker thread with its own module
// instance and its own process.env (the template's variables), created on demand up to a
// concurrency limit and reused while warm; a timeout kills the container. CPU-heavy handlers
// (bcrypt) run on other threads, so they do not stall the API.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { transformSync } from 'esbuild';
import type { Readable } from 'node:stream';

export interface LambdaSpec {
  functionName: string;
  codeDir: string;
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
}

export type InvokeResult =
  | { ok: true; payload: unknown; durationMs: number; coldStart: boolean; initMs: number }
  | { ok: false; errorType: string; errorMessage: string; durationMs: number; coldStart: boolean; initMs: number };

/** An injected failure (emulator/faults/): throttled or failed init never run the handler; a crash or timeout ends the container `afterMs` into the invocation, or when it finishes if sooner. */
export type LambdaFault = { kind: 'throttle' | 'init' } | { kind: 'crash' | 'timeout'; afterMs: number };

export interface RunnerOptions {
  /** Decides an injected failure for each invocation, by the function's id. */
  fault?: (functionId: string) => LambdaFault | undefined;
  /** Containers per function at most (Lambda's reserved concurrency, in effect). */
  maxContainers?: number;
  /** Where the functions' console output goes, one line at a time. */
  log?: (functionName: string, line: string) => void;
  /** Lambda gives a module's init 10 s; past that the container is abandoned. */
  initTimeoutMs?: number;
}

interface Container {
  worker: Worker;
  busy: boolean;
  ready: Promise<number>;
  initMs: number;
  used: boolean;
}

const HOST_SOURCE = transformSync(readFileSync(join(import.meta.dirname, 'host.ts'), 'utf8'), {
  loader: 'ts',
  format: 'cjs',
  target: 'node20',
}).code;

class FunctionPool {
  private readonly containers = new Set<Container>();
  private readonly waiting: ((c: Container) => void)[] = [];

  constructor(
    private readonly id: string,
    private readonly spec: LambdaSpec,
    private readonly options: Required<RunnerOptions>,
  ) {}

  private spawn(): Container {
    const [file, exportName] = [join(this.spec.codeDir, this.spec.handler.split('.')[0]! + '.js'), this.spec.handler.split('.').slice(1).join('.')];
    const worker = new Worker(HOST_SOURCE, {
      eval: true,
      env: { ...this.spec.environment },
      stdout: true,
      stderr: true,
      workerData: { file, exportName, functionName: this.spec.functionName, memoryMb: this.spec.memoryMb },
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, this.spec.memoryMb) },
    });
    for (const stream of [worker.stdout, worker.stderr] as Readable[]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) !== -1) {
          this.options.log(this.spec.functionName, buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      });
    }
    const container: Container = { worker, busy: true, initMs: 0, used: false, ready: Promise.resolve(0) };
    container.ready = new Promise<number>((resolve, reject) => {
      const onMessage = (m: { type: string; initMs: number }) => {
        if (m.type !== 'ready') return;
        worker.off('message', onMessage);
        container.initMs = m.initMs;
        resolve(m.initMs);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', () => reject(new Error('container exited during init')));
    });
    worker.on('exit', () => this.containers.delete(container));
    worker.on('error', () => this.containers.delete(container));
    this.containers.add(container);
    return container;
  }

  private async acquire(): Promise<Container> {
    for (const c of this.containers) {
      if (!c.busy) {
        c.busy = true;
        return c;
      }
    }
    if (this.containers.size < this.options.maxContainers) return this.spawn();
    return new Promise<Container>((resolve) => this.waiting.push(resolve));
  }

  private release(c: Container): void {
    const next = this.waiting.shift();
    if (next && this.containers.has(c)) {
      next(c);
      return;
    }
    if (next) {
      // The container died (timeout, crash): the waiter gets a fresh one.
      next(this.spawn());
      return;
    }
    c.busy = false;
  }


  async invoke(event: unknown): Promise<InvokeResult> {
    const fault = this.options.fault(this.id);
    if (fault?.kind === 'throttle') {
      // Lambda refuses the invocation (429); nothing runs.
      return { ok: false, errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', durationMs: 0, coldStart: false, initMs: 0 };
    }
    if (fault?.kind === 'init') {
      return { ok: false, errorType: 'Runtime.InitError', errorMessage: 'INIT failed: the function could not start (injected fault)', durationMs: 0, coldStart: true, initMs: 0 };
    }
    const ending = fault && (fault.kind === 'crash' || fault.kind === 'timeout') ? fault : undefined;
    const container = await this.acquire();
    const coldStart = !container.used;
    container.used = true;
    const started = performance.now();
    const id = randomUUID();
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    let initTimer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        container.ready,
        new Promise<never>((_, reject) => {
          initTimer = setTimeout(() => reject(new Error(`INIT timed out after ${(this.options.initTimeoutMs / 1000).toFixed(2)} seconds`)), this.options.initTimeoutMs);
        }),
      ]);
    } catch (error) {
      // A container that failed or hung in init is not reused.
      this.containers.delete(container);
      void container.worker.terminate();
      this.release(container);
      return { ok: false, errorType: 'Runtime.InitError', errorMessage: (error as Error).message, durationMs: 0, coldStart, initMs: 0 };
    } finally {
      clearTimeout(initTimer);
    }
    const result = await new Promise<InvokeResult>((resolve) => {
      // An injected crash or timeout: the container ends where the invocation has got to.
      let killTimer: NodeJS.Timeout | undefined;
      const kill = (kind: 'crash' | 'timeout') => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        container.worker.off('message', onMessage);
        container.worker.off('exit', onExit);
        this.containers.delete(container);
        void container.worker.terminate();
        resolve({
          ok: false,
          errorType: kind === 'timeout' ? 'Sandbox.Timedout' : 'Runtime.ExitError',
          errorMessage:
            kind === 'timeout' ? `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds` : `RequestId: ${id} Error: Runtime exited with error: signal: killed`,
          durationMs: performance.now() - started,
          coldStart,
          initMs: container.initMs,
        });
      };
      if (ending) killTimer = setTimeout(() => kill(ending.kind), ending.afterMs);
      // A timed-out container is gone, as on Lambda; the next invocation starts a fresh one.
      const timer = setTimeout(() => kill('timeout'), timeoutMs);
      const onMessage = (m: { type: string; id: string; ok: boolean; payload?: string; errorType?: string; errorMessage?: string; fatal?: boolean }) => {
        if (m.type !== 'result' || m.id !== id) return;
        if (ending) {
          // It finished its work, then died before answering.
          kill(ending.kind);
          return;
        }
        clearTimeout(timer);
        container.worker.off('message', onMessage);
        container.worker.off('exit', onExit);
        // The container is on its way out: never hand it to the next invocation.
        if (m.fatal) this.containers.delete(container);
        const durationMs = performance.now() - started;
        resolve(
          m.ok
            ? { ok: true, payload: JSON.parse(m.payload!), durationMs, coldStart, initMs: container.initMs }
            : { ok: false, errorType: m.errorType!, errorMessage: m.errorMessage!, durationMs, coldStart, initMs: container.initMs },
        );
      };
      // A container that dies mid-invocation (process.exit, a crash) fails it now, as Lambda does,
      // instead of leaving it to the timeout.
      const onExit = (code: number) => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        container.worker.off('message', onMessage);
        resolve({
          ok: false,
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${id} Error: Runtime exited with error: exit status ${code}`,
          durationMs: performance.now() - started,
          coldStart,
          initMs: container.initMs,
        });
      };
      container.worker.on('message', onMessage);
      container.worker.once('exit', onExit);
      container.worker.postMessage({ id, event: JSON.stringify(event ?? null), deadline: Date.now() + timeoutMs });
    });
    this.release(container);
    return result;
  }

  async close(): Promise<void> {
    await Promise.all([...this.containers].map((c) => c.worker.terminate()));
    this.containers.clear();
  }
}

export class LambdaRunner {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly options: Required<RunnerOptions>;

  constructor(options: RunnerOptions = {}) {
    this.options = {
      maxContainers: options.maxContainers ?? 8,
      log: options.log ?? ((fn, line) => process.stdout.write(`[${fn}] ${line}\n`)),
      initTimeoutMs: options.initTimeoutMs ?? 10_000,
      fault: options.fault ?? (() => undefined),
    };
  }

  register(id: string, spec: LambdaSpec): void {
    this.pools.set(id, new FunctionPool(id, spec, this.options));
  }

  invoke(id: string, event: unknown): Promise<InvokeResult> {
    const pool = this.pools.get(id);
    if (!pool) throw new Error(`No Lambda function ${id} in the template`);
    return pool.invoke(event);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}
