// The load generator's process (forked by bench/load.ts): runs one job at a time with N requests
// in flight, bounded by a count and a deadline, and reports every sample.
import { performance } from 'node:perf_hooks';
import { fetchFrom } from '../test/helpers/loopback.ts';
import type { ClientMessage, LoadJob, LoadResult, ParentMessage, Sample, Timings } from './load.ts';

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { errorType?: string; message?: string }[];
  extensions?: { tollgate?: Timings };
}

async function once(job: LoadJob, spec: LoadJob['requests'][number], n: number): Promise<Sample> {
  const started = performance.now();
  try {
    const res = await (spec.localAddress ? fetchFrom(spec.localAddress) : fetch)(job.url, {
      method: 'POST',
      headers: spec.headers,
      body: spec.body.replaceAll('{{n}}', String(n)),
      signal: AbortSignal.timeout(job.timeoutMs),
    });
    const text = await res.text();
    const clientMs = performance.now() - started;
    let body: GraphQLBody = {};
    try {
      body = JSON.parse(text) as GraphQLBody;
    } catch {
      // not JSON: counted as an error below
    }
    const first = body.errors?.[0];
    const ok = res.status === 200 && !first && body.data !== null && body.data !== undefined;
    return {
      clientMs,
      status: res.status,
      ok,
      errorType: ok ? null : (first?.errorType ?? `HTTP ${res.status}`),
      timings: body.extensions?.tollgate ?? null,
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    return { clientMs: performance.now() - started, status: 0, ok: false, errorType: name === 'TimeoutError' ? 'ClientTimeout' : `ClientError:${name}`, timings: null };
  }
}

async function run(job: LoadJob): Promise<LoadResult> {
  const samples: Sample[] = [];
  const deadline = performance.now() + job.maxMs;
  let issued = 0;
  const worker = async (w: number) => {
    const spec = job.requests[w % job.requests.length]!;
    while (issued < job.count && performance.now() < deadline) {
      issued += 1;
      samples.push(await once(job, spec, issued));
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, (_, w) => worker(w)));
  return { samples, issued, wallMs: performance.now() - started, stoppedByTime: issued < job.count };
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'exit') {
    process.exit(0);
  }
  run(m.job).then(
    (result) => {
      const reply: ClientMessage = { type: 'result', id: m.id, result };
      process.send!(reply);
    },
    (error: unknown) => {
      const reply: ClientMessage = { type: 'failed', id: m.id, message: error instanceof Error ? error.message : String(error) };
      process.send!(reply);
    },
  );
});
