// How much the emulator itself adds to a request: runs it in-process on the test template, sends
// myUsage at a fixed concurrency with `x-tollgate-timings: 1`, and subtracts the Lambda authorizer
// (when not cached) and the DynamoDB call from each request's server-side total.
//
//   npx tsx bench/emulator-overhead.ts [--requests 2000] [--concurrency 16] [--warmup 200] [--max-seconds 120]
//
// Writes bench/results/emulator-overhead-<ISO date>.json (results are data: not committed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { MyUsageDocument } from '../client/index.ts';
import { ROOT, synthIfChanged } from '../emulator/synth.ts';
import { TEST_CDK_OUT } from '../test/helpers/global-setup.ts';
import { PASSWORD, startTestEmulator, uniqueEmail } from '../test/helpers/emulator.ts';

interface Timings {
  totalMs: number;
  authorizer: { ms: number; cached: boolean; mode?: string };
  steps: { field: string; step: string; ms: number }[];
}

interface Sample {
  clientMs: number;
  totalMs: number;
  authorizerMs: number;
  authorizerCached: boolean;
  dataSourceMs: number;
  overheadMs: number;
}

interface Stats {
  n: number;
  mean: number;
  min: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
}

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '200' },
    'max-seconds': { type: 'string', default: '120' },
    'data-source': { type: 'string', default: 'UsageTable' },
  },
});

function positiveInt(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer. Received: ${raw}`);
  return n;
}

const REQUESTS = positiveInt('requests', args.requests);
const CONCURRENCY = positiveInt('concurrency', args.concurrency);
const WARMUP = positiveInt('warmup', args.warmup);
const MAX_SECONDS = positiveInt('max-seconds', args['max-seconds']);
const DATA_SOURCE = args['data-source'] ?? 'UsageTable';
const REQUEST_TIMEOUT_MS = 10_000;

/** Nearest-rank percentiles over the sorted values. */
function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    n: sorted.length,
    mean: round(sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1)),
    min: round(sorted[0] ?? NaN),
    median: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

const log = (line: string) => process.stderr.write(line + '\n');

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  // The template the emulator tests use: the stack's defaults, whatever TOLLGATE_* this shell has.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_')));
  await synthIfChanged(TEST_CDK_OUT, log, env);

  log('Starting the emulator in-process…');
  const api = await startTestEmulator();
  try {
    const client = api.client();
    const email = uniqueEmail('bench');
    await client.register(email, PASSWORD);
    const { token } = await client.login(email, PASSWORD);

    const body = JSON.stringify({ query: print(MyUsageDocument), operationName: 'MyUsage', variables: {} });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-tollgate-timings': '1' };

    const once = async (): Promise<Sample> => {
      const started = performance.now();
      const res = await fetch(api.graphqlUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const json = (await res.json()) as { data?: { myUsage?: unknown } | null; errors?: { message: string }[]; extensions?: { tollgate?: Timings } };
      const clientMs = performance.now() - started;
      if (res.status !== 200 || json.errors?.length || !json.data?.myUsage) {
        throw new Error(`HTTP ${res.status}: ${json.errors?.[0]?.message ?? 'no data'}`);
      }
      const t = json.extensions?.tollgate;
      if (!t) throw new Error('The response has no extensions.tollgate: is x-tollgate-timings supported?');
      const dataSourceMs = t.steps.filter((s) => s.step === DATA_SOURCE).reduce((sum, s) => sum + s.ms, 0);
      const authorizerMs = t.authorizer.cached ? 0 : t.authorizer.ms;
      return { clientMs, totalMs: t.totalMs, authorizerMs: t.authorizer.ms, authorizerCached: t.authorizer.cached, dataSourceMs, overheadMs: t.totalMs - authorizerMs - dataSourceMs };
    };

    /** Runs `count` requests with `CONCURRENCY` in flight, stopping early at the deadline. */
    const load = async (count: number, deadline: number) => {
      const samples: Sample[] = [];
      const failures: string[] = [];
      let issued = 0;
      const worker = async () => {
        while (issued < count && performance.now() < deadline) {
          issued += 1;
          try {
            samples.push(await once());
          } catch (error) {
            failures.push(error instanceof Error ? error.message : String(error));
          }
        }
      };
      const started = performance.now();
      const elu = performance.eventLoopUtilization();
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      // Client, emulator and local DynamoDB share this thread: near 1 means the thread is the limit.
      const eventLoopUtilization = performance.eventLoopUtilization(elu).utilization;
      return { samples, failures, wallMs: performance.now() - started, issued, eventLoopUtilization };
    };

    log(`Warming up (${WARMUP} requests)…`);
    const warm = await load(WARMUP, performance.now() + MAX_SECONDS * 1000);
    if (warm.failures.length > 0) throw new Error(`Warm-up failed: ${warm.failures[0]}`);

    log(`Measuring ${REQUESTS} myUsage requests at concurrency ${CONCURRENCY} (at most ${MAX_SECONDS} s)…`);
    const run = await load(REQUESTS, performance.now() + MAX_SECONDS * 1000);
    const { samples, failures, wallMs } = run;
    if (samples.length === 0) throw new Error(`No request succeeded: ${failures[0] ?? 'none was sent'}`);

    const results = {
      requests: run.issued,
      succeeded: samples.length,
      failed: failures.length,
      firstFailure: failures[0] ?? null,
      stoppedByTimeLimit: run.issued < REQUESTS,
      wallMs: Math.round(wallMs),
      throughputRps: Math.round((samples.length / wallMs) * 1000 * 10) / 10,
      eventLoopUtilization: Math.round(run.eventLoopUtilization * 1000) / 1000,
      authorizerInvocations: samples.filter((s) => !s.authorizerCached).length,
      clientMs: stats(samples.map((s) => s.clientMs)),
      totalMs: stats(samples.map((s) => s.totalMs)),
      dataSourceMs: stats(samples.map((s) => s.dataSourceMs)),
      authorizerMs: stats(samples.map((s) => s.authorizerMs)),
      overheadMs: stats(samples.map((s) => s.overheadMs)),
    };

    const rows = [
      ['client latency', results.clientMs],
      ['server totalMs', results.totalMs],
      [`data source (${DATA_SOURCE})`, results.dataSourceMs],
      ['authorizer (incl. cache hits)', results.authorizerMs],
      ['emulator overhead', results.overheadMs],
    ] as const;
    const pad = (s: string, n: number) => s.padEnd(n);
    const num = (x: number) => x.toFixed(3).padStart(9);
    const lines = [
      `${pad('ms', 30)}${['median', 'p95', 'p99', 'mean', 'max'].map((h) => h.padStart(9)).join('')}`,
      ...rows.map(([name, s]) => `${pad(name, 30)}${[s.median, s.p95, s.p99, s.mean, s.max].map(num).join('')}`),
    ];
    process.stdout.write(
      `\n${lines.join('\n')}\n\n` +
        `${results.succeeded}/${results.requests} succeeded in ${(wallMs / 1000).toFixed(2)} s: ${results.throughputRps} requests/s ` +
        `(concurrency ${CONCURRENCY}; authorizer invoked ${results.authorizerInvocations}×, cached otherwise; ` +
        `main event loop ${Math.round(results.eventLoopUtilization * 100)} % busy)\n`,
    );
    if (failures.length > 0) process.stdout.write(`${failures.length} failed; first: ${failures[0]}\n`);

    const out = join(ROOT, 'bench', 'results', `emulator-overhead-${startedAt.replace(/[:.]/g, '-')}.json`);
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    const report = {
      benchmark: 'emulator-overhead',
      startedAt,
      definition: 'overheadMs = totalMs − authorizer ms (when not cached) − data-source step ms; all server-side, from extensions.tollgate',
      config: { requests: REQUESTS, concurrency: CONCURRENCY, warmup: WARMUP, maxSeconds: MAX_SECONDS, dataSource: DATA_SOURCE, operation: 'MyUsage' },
      environment: { node: process.version, platform: `${platform()} ${release()}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null },
      results,
    };
    writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(`Wrote ${out}\n`);
  } finally {
    await api.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator-overhead failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
