// Throughput and latency of sendPrompt, myUsage and login at several concurrencies, against the
// emulator (with the dev model) and against the bare graphql-js baseline, in the same process
// and on the same machine. The emulator's overhead per request is its server-side total minus
// the Lambda authorizer (when it ran) minus every data-source step (DynamoDB via dynalite, the
// model and auth Lambdas): what is left is the emulator's own work and its queueing.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { LoginDocument, MyUsageDocument, RegisterDocument, SendPromptDocument } from '../client/index.ts';
import type { Emulator } from '../emulator/start.ts';
import { bodyFor, graphql, headersFor, inBatches, loopback, PASSWORD, setLimits } from './api.ts';
import type { LoadClient, LoadJob, RequestSpec, Sample } from './load.ts';
import { round, stats, type Stats } from './stats.ts';

export const OPERATIONS = ['sendPrompt', 'myUsage', 'login'] as const;
export type Operation = (typeof OPERATIONS)[number];
export const CONCURRENCIES = [1, 16, 64] as const;

export interface PhaseResult {
  target: 'emulator' | 'baseline';
  operation: Operation;
  concurrency: number;
  issued: number;
  ok: number;
  errors: Record<string, number>;
  stoppedByTime: boolean;
  wallMs: number;
  throughputRps: number;
  clientMs: Stats;
  serverMs: Stats;
  /** Emulator only: server total − authorizer (when invoked) − data-source steps. */
  overheadMs: Stats | null;
  dataSourceMs: Stats | null;
  authorizerInvocations: number;
  /** The server process's main thread during the phase: how busy, and how late timers ran. */
  eventLoop: { utilization: number; delayP50Ms: number; delayP99Ms: number };
}

export interface LoadPlan {
  count: Record<Operation, Record<number, number>>;
  maxMs: Record<Operation, number>;
  warmup: Record<Operation, { count: number; concurrency: number }>;
}

export const PLANS: Record<'full' | 'quick', { emulator: LoadPlan; baseline: LoadPlan }> = {
  full: {
    emulator: {
      count: { sendPrompt: { 1: 150, 16: 1200, 64: 1600 }, myUsage: { 1: 500, 16: 3000, 64: 4000 }, login: { 1: 20, 16: 200, 64: 320 } },
      maxMs: { sendPrompt: 20_000, myUsage: 10_000, login: 20_000 },
      warmup: { sendPrompt: { count: 128, concurrency: 64 }, myUsage: { count: 200, concurrency: 16 }, login: { count: 32, concurrency: 16 } },
    },
    baseline: {
      count: { sendPrompt: { 1: 1000, 16: 5000, 64: 5000 }, myUsage: { 1: 1000, 16: 5000, 64: 5000 }, login: { 1: 1000, 16: 5000, 64: 5000 } },
      maxMs: { sendPrompt: 5_000, myUsage: 5_000, login: 5_000 },
      warmup: { sendPrompt: { count: 300, concurrency: 16 }, myUsage: { count: 300, concurrency: 16 }, login: { count: 300, concurrency: 16 } },
    },
  },
  quick: {
    emulator: {
      count: { sendPrompt: { 1: 30, 16: 240, 64: 320 }, myUsage: { 1: 100, 16: 600, 64: 800 }, login: { 1: 5, 16: 48, 64: 96 } },
      maxMs: { sendPrompt: 5_000, myUsage: 3_000, login: 5_000 },
      warmup: { sendPrompt: { count: 64, concurrency: 64 }, myUsage: { count: 64, concurrency: 16 }, login: { count: 16, concurrency: 16 } },
    },
    baseline: {
      count: { sendPrompt: { 1: 200, 16: 1000, 64: 1000 }, myUsage: { 1: 200, 16: 1000, 64: 1000 }, login: { 1: 200, 16: 1000, 64: 1000 } },
      maxMs: { sendPrompt: 2_000, myUsage: 2_000, login: 2_000 },
      warmup: { sendPrompt: { count: 100, concurrency: 16 }, myUsage: { count: 100, concurrency: 16 }, login: { count: 100, concurrency: 16 } },
    },
  },
};

/** Users that log in (one per in-flight login, so no email ever has two attempts in flight). */
const LOGIN_USERS = Math.max(...CONCURRENCIES);
/** Users the authorized load is spread over (at concurrency 64: 4 in flight per user). */
const LOAD_USERS = 16;
const HIGH_LIMITS = { dailyPromptLimit: 10_000_000, promptsPerMinute: 10_000_000, dailyTokenLimit: 2_000_000_000, promptsInFlight: 1000 };
const REQUEST_TIMEOUT_MS = 30_000; // AppSync's own limit

export interface BenchUsers {
  emails: string[];
  tokens: string[];
}

/**
 * Each bench user's own client address (127.0.2.1…), so registrations and logins are measured
 * within the per-source-IP limits (bench/front-door.ts measures what one address gets).
 */
export const addressOf = (i: number) => `127.0.2.${i + 1}`;

/** Registers the bench users, lifts their limits (before they log in) and logs each in once. */
export async function prepareUsers(api: Emulator, log: (line: string) => void): Promise<BenchUsers> {
  const run = `${process.pid}-${Date.now()}`;
  const emails = Array.from({ length: LOGIN_USERS }, (_, i) => `bench-${run}-${i}@example.com`);
  const url = loopback(api.graphqlUrl);
  log(`  registering ${emails.length} users…`);
  await inBatches(emails, 8, async (email, i) => {
    const r = await graphql(url, { apiKey: api.apiKey }, RegisterDocument, { email, password: PASSWORD }, addressOf(i));
    if (r.errorType) throw new Error(`register failed: ${r.errorType}`);
  });
  await setLimits(api, emails, HIGH_LIMITS);
  const tokens = await inBatches(emails, 8, async (email, i) => {
    const r = await graphql<{ login: { token: string } }>(url, { apiKey: api.apiKey }, LoginDocument, { email, password: PASSWORD }, addressOf(i));
    if (!r.data) throw new Error(`login failed: ${r.errorType}`);
    return r.data.login.token;
  });
  return { emails, tokens };
}

export function requestsFor(operation: Operation, users: BenchUsers, apiKey: string): RequestSpec[] {
  switch (operation) {
    case 'sendPrompt':
      return users.tokens.slice(0, LOAD_USERS).map((token) => ({
        headers: headersFor({ token }),
        body: bodyFor(SendPromptDocument, { prompt: 'Benchmark prompt {{n}}: what does a quota protect?' }),
      }));
    case 'myUsage':
      return users.tokens.slice(0, LOAD_USERS).map((token) => ({ headers: headersFor({ token }), body: bodyFor(MyUsageDocument, {}) }));
    case 'login':
      return users.emails.map((email, i) => ({ headers: headersFor({ apiKey }), body: bodyFor(LoginDocument, { email, password: PASSWORD }), localAddress: addressOf(i) }));
  }
}

function isDataSourceStep(step: string, dataSources: ReadonlySet<string>): boolean {
  const last = step.slice(step.lastIndexOf('.') + 1);
  return dataSources.has(last) || dataSources.has(step.replace(/ \(direct\)$/, ''));
}

export interface PhaseOptions {
  client: LoadClient;
  target: 'emulator' | 'baseline';
  url: string;
  operation: Operation;
  concurrency: number;
  count: number;
  maxMs: number;
  requests: RequestSpec[];
  /** Data sources whose step time is not the emulator's (every one but NONE). */
  dataSources: ReadonlySet<string>;
}

export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const job: LoadJob = { url: o.url, requests: o.requests, concurrency: o.concurrency, count: o.count, maxMs: o.maxMs, timeoutMs: REQUEST_TIMEOUT_MS };
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const elu = performance.eventLoopUtilization();
  const result = await o.client.run(job);
  const utilization = performance.eventLoopUtilization(elu).utilization;
  delay.disable();

  const ok = result.samples.filter((s) => s.ok);
  const errors: Record<string, number> = {};
  for (const s of result.samples) if (!s.ok) errors[s.errorType ?? 'unknown'] = (errors[s.errorType ?? 'unknown'] ?? 0) + 1;
  const timed = ok.filter((s): s is Sample & { timings: NonNullable<Sample['timings']> } => s.timings !== null);
  const authorizerMs = (s: (typeof timed)[number]) => (s.timings.authorizer.mode === 'AWS_LAMBDA' && !s.timings.authorizer.cached ? s.timings.authorizer.ms : 0);
  const dataSourceMs = (s: (typeof timed)[number]) => s.timings.steps.filter((x) => isDataSourceStep(x.step, o.dataSources)).reduce((sum, x) => sum + x.ms, 0);
  const emulator = o.target === 'emulator';
  return {
    target: o.target,
    operation: o.operation,
    concurrency: o.concurrency,
    issued: result.issued,
    ok: ok.length,
    errors,
    stoppedByTime: result.stoppedByTime,
    wallMs: Math.round(result.wallMs),
    throughputRps: round((ok.length / result.wallMs) * 1000, 1),
    clientMs: stats(ok.map((s) => s.clientMs)),
    serverMs: stats(timed.map((s) => s.timings.totalMs)),
    overheadMs: emulator ? stats(timed.map((s) => s.timings.totalMs - authorizerMs(s) - dataSourceMs(s))) : null,
    dataSourceMs: emulator ? stats(timed.map(dataSourceMs)) : null,
    authorizerInvocations: timed.filter((s) => authorizerMs(s) > 0).length,
    eventLoop: { utilization: round(utilization, 3), delayP50Ms: round(delay.percentile(50) / 1e6, 2), delayP99Ms: round(delay.percentile(99) / 1e6, 2) },
  };
}

/** Every operation at every concurrency against one target, each operation warmed up first. */
export async function runTarget(
  o: Omit<PhaseOptions, 'operation' | 'concurrency' | 'count' | 'maxMs' | 'requests'> & { plan: LoadPlan; requests: (op: Operation) => RequestSpec[]; log: (line: string) => void },
): Promise<PhaseResult[]> {
  const out: PhaseResult[] = [];
  for (const operation of OPERATIONS) {
    const requests = o.requests(operation);
    const warm = o.plan.warmup[operation];
    const warmed = await runPhase({ ...o, operation, concurrency: warm.concurrency, count: warm.count, maxMs: o.plan.maxMs[operation], requests });
    if (warmed.ok === 0) throw new Error(`${o.target} ${operation}: the warm-up had no success (${JSON.stringify(warmed.errors)})`);
    for (const concurrency of CONCURRENCIES) {
      const r = await runPhase({ ...o, operation, concurrency, count: o.plan.count[operation][concurrency]!, maxMs: o.plan.maxMs[operation], requests });
      const errors = Object.entries(r.errors).map(([k, v]) => `${k}×${v}`).join(', ');
      o.log(
        `  ${o.target.padEnd(8)} ${operation.padEnd(10)} c=${String(concurrency).padEnd(3)} ${String(r.ok).padStart(5)} ok ` +
          `${r.throughputRps.toFixed(1).padStart(8)} req/s  p50 ${r.clientMs.p50.toFixed(2).padStart(8)} ms  p99 ${r.clientMs.p99.toFixed(2).padStart(8)} ms` +
          (r.overheadMs ? `  overhead p50 ${r.overheadMs.p50.toFixed(2)} / p99 ${r.overheadMs.p99.toFixed(2)} ms` : '') +
          (errors ? `  errors: ${errors}` : ''),
      );
      out.push(r);
    }
  }
  return out;
}
