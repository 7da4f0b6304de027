// Orchestrates `npm run bench` (see index.ts): synth, cold starts, authorizer throughput, load on
// the emulator and on the baseline, AWS operations and cost, then the JSON, markdown and SVG.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/start.ts';
import { ROOT, synthIfChanged } from '../emulator/synth.ts';
import { loadStack } from '../emulator/template.ts';
import { loopback } from './api.ts';
import { measureAuthorizer } from './authorizer.ts';
import { startBaseline } from './baseline.ts';
import { latencyChart } from './chart.ts';
import { measureColdStarts } from './cold-start.ts';
import { measureConversations } from './conversations.ts';
import { dayOperations, originalCost, perMillion, PRICES, tollgateCost, type CostAssumptions } from './cost.ts';
import { counterCost, measureFrontDoor } from './front-door.ts';
import { CONCURRENCIES, OPERATIONS, PLANS, prepareUsers, requestsFor, runTarget, type PhaseResult } from './latency.ts';
import { LoadClient } from './load.ts';
import { measureOperations } from './operations.ts';
import { consoleSummary, conversationsMarkdown, markdownReport, type BenchResults, type Target } from './report.ts';
import { measureStreaming, streamingMarkdown } from './streaming.ts';
import { measureWebPage } from './web.ts';
import { median, round } from './stats.ts';

const log = (line: string) => process.stderr.write(line + '\n');

const HELP = `Usage: npm run bench [-- options]

Measures the offline API and writes bench/results/<date>.{json,md,svg}. Never part of npm test.

  --quick           fewer requests and runs (the figures are noisier)
  --streaming       only streamed prompts: time to first token, events and cost per batching interval
  --conversations   only what a turn costs as a conversation grows, blocking and streamed
  --web             only the web page's weight and the time until its login form takes input
  -h, --help        this help`;

export async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        web: { type: 'boolean', default: false },
        streaming: { type: 'boolean', default: false },
        conversations: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // A mistyped option is a usage error, not a failed bench: say so without a stack.
    process.stderr.write(`${(error as Error).message.split('.')[0]}.\n\n${HELP}\n`);
    process.exitCode = 2;
    return;
  }
  const args = parsed.values;
  if (args.help) {
    process.stdout.write(HELP + '\n');
    return;
  }
  const mode = args.quick ? 'quick' : 'full';
  if (args.web) return webOnly(mode === 'quick' ? 3 : 9);
  if (args.conversations) return conversationsOnly(mode);
  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? 0;
  const startedAt = new Date(started).toISOString();
  const stamp = startedAt.replace(/[:.]/g, '-');
  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });

  // The stack's defaults, whatever TOLLGATE_* this shell has; its own cloud assembly.
  const cdkOut = join(ROOT, '.tollgate', 'bench-cdk.out');
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_')));
  log(`Tollgate benchmark (${mode}), results in ${relative(ROOT, outDir)}/${stamp}.*`);
  await synthIfChanged(cdkOut, log, env);
  const stack = loadStack(cdkOut);

  log('Streamed prompts: time to first token, operations and cost per batching interval, concurrent streams…');
  const streaming = await measureStreaming(cdkOut, log, mode);
  writeFileSync(join(outDir, `${stamp}-streaming.json`), JSON.stringify(streaming, null, 2) + '\n');
  writeFileSync(join(outDir, `${stamp}-streaming.md`), streamingMarkdown(streaming));
  log(streamingMarkdown(streaming));
  // --streaming: this phase only.
  if (args.streaming) return;

  log('Cold start: bundle sizes and module init in fresh processes…');
  const coldStarts = measureColdStarts(stack, mode === 'quick' ? 5 : 11, log, ROOT, ['authorizer', 'auth', 'model']);

  log('Authorizer: token verifications per second…');
  const authorizer = await measureAuthorizer(mode === 'quick' ? 1000 : 3000);
  for (const r of authorizer.rates) log(`  ${r.perSecond.toLocaleString('en-US').padStart(9)}/s  ${r.variant}`);

  log('Throughput and latency: the emulator with the dev model…');
  const plan = PLANS[mode];
  const client = LoadClient.start();
  const latency: PhaseResult[] = [];
  try {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
    const api = await startEmulator({ cdkOut, dataDir, port: 0, log: () => undefined, waf: false }); // all from loopback: per-IP WAF rules would count the bench as one client
    let closed = false;
    const closeApi = async () => {
      if (!closed) await api.close();
      closed = true;
    };
    try {
      const users = await prepareUsers(api, log);
      const dataSources = new Set([...api.stack.dataSources.values()].filter((d) => d.type !== 'NONE').map((d) => d.name));
      latency.push(
        ...(await runTarget({ client, target: 'emulator', url: loopback(api.graphqlUrl), plan: plan.emulator, dataSources, requests: (op) => requestsFor(op, users, api.apiKey), log })),
      );
      await closeApi();
      log('Throughput and latency: the bare graphql-js baseline…');
      const baseline = await startBaseline(ROOT);
      try {
        latency.push(
          ...(await runTarget({ client, target: 'baseline', url: baseline.graphqlUrl, plan: plan.baseline, dataSources: new Set(), requests: (op) => requestsFor(op, users, api.apiKey), log })),
        );
      } finally {
        await baseline.close();
      }
    } finally {
      await closeApi().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    }
  } finally {
    await client.close();
  }

  log('AWS operations per request, counted through the tap…');
  const operations = await measureOperations(cdkOut, log);

  log('Conversations: DynamoDB units and time per turn as a conversation grows…');
  const conversations = await measureConversations(cdkOut, mode, log);

  log('The front door: what one client address gets under the per-IP limits…');
  const frontDoor = { phases: await measureFrontDoor(cdkOut, log), counters: [counterCost('register', operations.register), counterCost('login', operations.login)] };

  log('The web page: weight, and the time until the login form takes input…');
  const web = await measureWebPage(cdkOut, mode === 'quick' ? 3 : 9, log);

  const cold = (name: string) => coldStarts.find((c) => c.name === name);
  const memory = (name: string) => cold(name)?.memoryMb ?? 256;
  const assumptions: CostAssumptions = {
    modelWaitMs: 3000,
    coldStartRate: 0.01,
    loginsPerUserDay: 1,
    memoryMb: { authorizer: memory('authorizer'), auth: memory('auth'), model: memory('model'), original: memory('model') },
    durationsMs: {
      authorizer: operations.authorizedMiss.lambda.authorizer.ms,
      modelHandler: median(operations.promptsOfADay.map((p) => p.lambda.model.ms)),
      login: operations.login.lambda.auth.ms,
    },
    initMs: { authorizer: cold('authorizer')?.initMs.p50 ?? 0, auth: cold('auth')?.initMs.p50 ?? 0, model: cold('model')?.initMs.p50 ?? 0 },
    originalQueryEventuallyConsistent: true,
  };
  const levels = [1, 10, 50].map((perDay) => ({
    perDay,
    tollgate: tollgateCost(operations, assumptions, perDay),
    tollgateWithWaf: tollgateCost(operations, assumptions, perDay, true),
    original: originalCost(operations, assumptions, perDay),
    operations: dayOperations(operations, assumptions, perDay),
  }));
  const perRequest = [
    operations.promptsOfADay[0]!,
    operations.promptCached,
    operations.rejected,
    operations.login,
    operations.authorizedMiss,
    operations.authorizedHit,
  ].map((p) => ({ label: p.label, usdPerMillion: perMillion(p, assumptions) }));
  // The model function mostly waits on Bedrock: what its memory setting costs, all else equal.
  const modelMemory = [128, 256].map((mb) => {
    const cost = tollgateCost(operations, { ...assumptions, memoryMb: { ...assumptions.memoryMb, model: mb } }, 10);
    return { memoryMb: mb, lambdaPerMillionPrompts: cost.lines.find((l) => l.service === 'Lambda')!.usdPerMillionPrompts, totalPerMillionPrompts: cost.totalPerMillionPrompts };
  });

  const finished = Date.now();
  const results: BenchResults = {
    benchmark: 'tollgate',
    mode,
    startedAt,
    finishedAt: new Date(finished).toISOString(),
    durationSeconds: round((finished - started) / 1000, 1),
    environment: {
      node: process.version,
      platform: `${platform()} ${release()}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      memoryGb: round(totalmem() / 2 ** 30, 1),
      loadAverage1m: { atStart: round(loadAtStart, 2), atEnd: round(loadavg()[0] ?? 0, 2) },
    },
    definitions: {
      overheadMs:
        'server totalMs − Lambda authorizer ms (when invoked, not cached) − every data-source step (DynamoDB through dynalite, the model and auth Lambdas); from extensions.tollgate. NONE data-source steps count as overhead; the Lambda runner’s worker messaging and the DynamoDB client and transaction proxy sit inside the data-source steps, so they do not.',
      clientMs: 'wall time in a separate load process, request sent to response body read, over HTTP keep-alive on 127.0.0.1',
    },
    latency,
    coldStarts,
    authorizer,
    operations,
    conversations,
    frontDoor,
    cost: { prices: Object.values(PRICES), assumptions, levels, perRequest, modelMemory },
    web,
    targets: [],
  };
  results.targets = targets(results);

  const svgName = `${stamp}.svg`;
  writeFileSync(join(outDir, svgName), latencyChart(latency, OPERATIONS, CONCURRENCIES, `Client latency against concurrency (${mode} run, ${startedAt.slice(0, 10)})`));
  writeFileSync(join(outDir, `${stamp}.json`), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(outDir, `${stamp}.md`), markdownReport(results, svgName));
  process.stdout.write(consoleSummary(results));
  process.stdout.write(`\nWrote ${relative(ROOT, join(outDir, stamp))}.{json,md,svg} in ${results.durationSeconds} s\n`);
}

/** `npm run bench -- --web`: only the web page's weight and readiness, printed (no results files). */
/** --conversations: what a turn costs as a conversation grows, blocking and streamed, alone. */
async function conversationsOnly(mode: 'quick' | 'full'): Promise<void> {
  const cdkOut = join(ROOT, '.tollgate', 'bench-cdk.out');
  await synthIfChanged(cdkOut, log, Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_'))));
  log('Conversations: DynamoDB units and time per turn as a conversation grows, blocking then streamed…');
  const conversations = await measureConversations(cdkOut, mode, log);
  process.stdout.write(conversationsMarkdown(conversations).join('\n') + '\n');
}

async function webOnly(runs: number): Promise<void> {
  const cdkOut = join(ROOT, '.tollgate', 'bench-cdk.out');
  await synthIfChanged(cdkOut, log, Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TOLLGATE_'))));
  log('The web page: weight, and the time until the login form takes input…');
  const web = await measureWebPage(cdkOut, runs, log);
  const chat = web.chat.gzipBytes / 1024;
  process.stdout.write(`web page: chat view ${chat.toFixed(1)} kB gzip (goal ≤ 250 kB: ${chat <= 250 ? 'met' : 'NOT met'}), API view adds ${(web.rest.gzipBytes / 1024).toFixed(1)} kB\n`);
  if (web.loginReady) process.stdout.write(`login form takes input: ${web.loginReady.warmMs.p50.toFixed(0)} ms (median of ${runs}), first load ${web.loginReady.firstMs.toFixed(0)} ms; load average ${(loadavg()[0] ?? 0).toFixed(1)}\n`);
  if (chat > 250) process.exitCode = 1;
}

const KB = 1000;

function targets(r: BenchResults): Target[] {
  const out: Target[] = [];
  const at16 = r.latency.filter((p) => p.target === 'emulator' && p.concurrency === 16 && p.overheadMs);
  const worstP50 = Math.max(...at16.map((p) => p.overheadMs!.p50));
  const worstP99 = Math.max(...at16.map((p) => p.overheadMs!.p99));
  const worst = at16.reduce((a, b) => (b.overheadMs!.p99 > a.overheadMs!.p99 ? b : a), at16[0]!);
  const overheadMet = worstP50 <= 2 && worstP99 <= 10;
  out.push({
    name: 'Emulator overhead at concurrency 16',
    goal: 'p50 ≤ 2 ms and p99 ≤ 10 ms',
    measured: at16.map((p) => `${p.operation} ${p.overheadMs!.p50.toFixed(2)} / ${p.overheadMs!.p99.toFixed(2)} ms`).join('; '),
    met: overheadMet,
    bound: overheadMet
      ? null
      : `${worst.operation}: the engine, dynalite, the DynamoDB transaction proxy and the local Bedrock share one event loop (${Math.round(worst.eventLoop.utilization * 100)} % busy, timers late by ${worst.eventLoop.delayP99Ms} ms at p99), so a step's continuation waits behind other requests' work; that wait is counted as overhead.`,
  });
  const fn = (name: string) => r.coldStarts.find((c) => c.name === name);
  const a = fn('authorizer');
  const m = fn('model');
  out.push({
    name: 'Authorizer bundle size',
    goal: '≤ 100 kB',
    measured: a ? `${(a.bundleBytes / KB).toFixed(1)} kB (${a.bundleBytes} bytes; ${(a.bundleGzipBytes / KB).toFixed(1)} kB gzipped)` : 'not found',
    met: a !== undefined && a.bundleBytes <= 100 * KB,
    bound: a && a.bundleBytes > 100 * KB ? 'jose and the signed AWS client are bundled; the authorizer loads no AWS SDK package.' : null,
  });
  out.push({
    name: 'Authorizer module init (local, median of fresh processes)',
    goal: '≤ 50 ms',
    measured: a ? `${a.initMs.p50.toFixed(1)} ms (p95 ${a.initMs.p95.toFixed(1)} ms, ${a.initMs.n} processes)` : 'not found',
    met: a !== undefined && a.initMs.n > 0 && a.initMs.p50 <= 50,
    bound:
      a && a.initMs.p50 > 50
        ? `${a.externals.length ? `It still loads ${a.externals.join(', ')} (${a.externalsInitMs.p50.toFixed(1)} ms alone). ` : ''}The machine's load average was ${r.environment.loadAverage1m.atStart}: fresh-process timings stretch with it.`
        : null,
  });
  out.push({
    name: 'Model Lambda bundle size',
    goal: '≤ 500 kB',
    measured: m ? `${(m.bundleBytes / KB).toFixed(1)} kB (${m.bundleBytes} bytes)` : 'not found',
    met: m !== undefined && m.bundleBytes <= 500 * KB,
    bound: m && m.bundleBytes > 500 * KB ? 'the Bedrock Runtime client would be bundled if it were not external.' : null,
  });
  const prompts = [...r.operations.promptsOfADay, r.operations.promptCached];
  // Admission is the usage table's write; a conversation's header (openTurn) is written too before the model.
  const admissions = prompts.map((p) => p.writesBeforeModel ?? -1);
  const rejected = r.operations.rejected;
  const oneWrite = r.operations.tapped && admissions.every((n) => n === 1) && rejected.dynamodb.writes === 1 && rejected.lambda.model.invocations === 0;
  out.push({
    name: 'One DynamoDB write admits a prompt',
    goal: 'exactly 1 write before the model is called',
    measured: r.operations.tapped
      ? `${prompts.length} admitted prompts: ${[...new Set(admissions)].join('/')} write(s) before invokeModel; the refused one: ${rejected.dynamodb.writes} write, ${rejected.lambda.model.invocations} model calls`
      : 'not measured (tap not in place)',
    met: oneWrite,
    bound: oneWrite ? null : 'see the operations table',
  });
  const turns = r.conversations.turns;
  const last = turns[turns.length - 1];
  const oneQuery = r.conversations.tapped && r.conversations.maxQueriesPerPrompt <= 1;
  out.push({
    name: 'Reading a conversation’s context',
    goal: '≤ 1 DynamoDB Query per prompt, however long the conversation',
    measured: r.conversations.tapped
      ? `at most ${r.conversations.maxQueriesPerPrompt} Query per prompt over ${turns.length} turns; turn ${last?.turn}: ${last?.contextTurns} earlier turns sent, ${last?.contextRru} RRU for the context`
      : 'not measured (tap not in place)',
    met: oneQuery,
    bound: oneQuery ? null : 'see the conversations table',
  });
  const cheaper = r.cost.levels.every((l) => l.tollgate.totalPerMillionPrompts < l.original.totalPerMillionPrompts);
  out.push({
    name: 'Cost per million prompts below the original design (AppSync + Lambda + DynamoDB, 3 s model wait)',
    goal: 'lower at 1, 10 and 50 prompts per user per day',
    measured: r.cost.levels.map((l) => `${l.perDay}/day: $${l.tollgate.totalPerMillionPrompts.toFixed(2)} vs $${l.original.totalPerMillionPrompts.toFixed(2)}`).join('; '),
    met: cheaper,
    bound: cheaper ? null : 'the AppSync operation ($4.00/M) outweighs what the original spent on API Gateway, Secrets Manager and its count query at this level.',
  });
  const chat = r.web.chat.gzipBytes / 1024;
  out.push({
    name: 'Web page: the chat view’s JS + CSS without GraphiQL (gzip)',
    goal: '≤ 250 kB',
    measured: `${chat.toFixed(1)} kB in ${r.web.chat.files} files (GraphiQL and the rest: ${(r.web.rest.gzipBytes / 1024).toFixed(1)} kB, fetched when the API view opens)`,
    met: chat <= 250,
    bound: chat <= 250 ? null : 'see the web build’s metafile: a module shared with the API view lands in a chunk the chat loads',
  });
  return out;
}
