// Closed-loop HTTP load from a separate process (bench/load-client.ts), so the client's own
// work never competes with the server under test for its event loop. The parent hands it a job
// (requests, concurrency, a count and a deadline) and gets every sample back.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** `extensions.tollgate` as the emulator returns it with `x-tollgate-timings: 1`. */
export interface Timings {
  totalMs: number;
  authorizer: { ms: number; cached: boolean; mode?: string };
  steps: { field: string; step: string; ms: number }[];
}

export interface RequestSpec {
  headers: Record<string, string>;
  /** JSON body; every `{{n}}` becomes the request's sequence number. */
  body: string;
  /** Send from this loopback address, as a separate client would (per-source-IP limits). */
  localAddress?: string;
}

export interface LoadJob {
  url: string;
  /** Worker w sends requests[w % requests.length], so workers spread evenly over users. */
  requests: RequestSpec[];
  concurrency: number;
  count: number;
  maxMs: number;
  timeoutMs: number;
}

export interface Sample {
  clientMs: number;
  status: number;
  ok: boolean;
  errorType: string | null;
  timings: Timings | null;
}

export interface LoadResult {
  samples: Sample[];
  issued: number;
  wallMs: number;
  stoppedByTime: boolean;
}

export type ClientMessage = { type: 'result'; id: number; result: LoadResult } | { type: 'failed'; id: number; message: string };
export type ParentMessage = { type: 'run'; id: number; job: LoadJob } | { type: 'exit' };

export class LoadClient {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: ClientMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'result') p.resolve(m.result);
      else p.reject(new Error(m.message));
    });
    child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`The load client exited (${code})`));
      this.pending.clear();
    });
  }

  /** Forks the client with this process's loader flags (tsx), so it runs TypeScript too. */
  static start(): LoadClient {
    const child = fork(join(import.meta.dirname, 'load-client.ts'), [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new LoadClient(child);
  }

  run(job: LoadJob): Promise<LoadResult> {
    const id = this.next++;
    return new Promise<LoadResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: ParentMessage = { type: 'run', id, job };
      this.child.send(message);
    });
  }

  close(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const force = setTimeout(() => this.child.kill(), 2_000);
      this.child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      const message: ParentMessage = { type: 'exit' };
      this.child.send(message);
    });
  }
}
