// The benchmark's results as data (JSON), as a short markdown report, and as a console summary.
import type { AuthorizerThroughput } from './authorizer.ts';
import type { ColdStart } from './cold-start.ts';
import type { ConversationReport } from './conversations.ts';
import type { CostAssumptions, DayOperations, DesignCost, Price } from './cost.ts';
import { CONCURRENCIES, OPERATIONS, type PhaseResult } from './latency.ts';
import type { FrontDoorReport } from './front-door.ts';
import type { OperationProfile, OperationsReport } from './operations.ts';

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
  /** What keeps a missed target from being met. */
  bound: string | null;
}

import type { WebPageReport } from './web.ts';

export interface BenchResults {
  benchmark: 'tollgate';
  mode: 'full' | 'quick';
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  environment: { node: string; platform: string; cpus: number; cpuModel: string | null; memoryGb: number; loadAverage1m: { atStart: number; atEnd: number } };
  definitions: Record<string, string>;
  latency: PhaseResult[];
  coldStarts: ColdStart[];
  authorizer: AuthorizerThroughput;
  operations: OperationsReport;
  /** DynamoDB units and server time per turn as one conversation grows (bench/conversations.ts). */
  conversations: ConversationReport;
  frontDoor: FrontDoorReport;
  cost: {
    prices: Price[];
    assumptions: CostAssumptions;
    levels: { perDay: number; tollgate: DesignCost; tollgateWithWaf: DesignCost; original: DesignCost; operations: DayOperations }[];
    perRequest: { label: string; usdPerMillion: number }[];
    modelMemory: { memoryMb: number; lambdaPerMillionPrompts: number; totalPerMillionPrompts: number }[];
  };
  /** The web page: its weight and the time until its login form takes input (bench/web.ts). */
  web: WebPageReport;
  targets: Target[];
}

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const usd = (x: number) => `$${x.toFixed(2)}`;

function table(head: string[], rows: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function errorsOf(p: PhaseResult): string {
  const e = Object.entries(p.errors);
  return e.length === 0 ? '0' : e.map(([k, v]) => `${v} ${k}`).join(', ');
}

function phase(r: BenchResults, target: 'emulator' | 'baseline', op: string, c: number): PhaseResult | undefined {
  return r.latency.find((p) => p.target === target && p.operation === op && p.concurrency === c);
}

function lambdaText(p: OperationProfile): string {
  const parts: string[] = [];
  const l = p.lambda;
  if (l.authorizer.invocations) parts.push(`authorizer ×${l.authorizer.invocations} (${f(l.authorizer.ms, 1)} ms)`);
  if (l.model.invocations) parts.push(`model ×${l.model.invocations} (${f(l.model.ms, 1)} ms + the Bedrock wait)`);
  if (l.auth.invocations) parts.push(`auth ×${l.auth.invocations} (${f(l.auth.ms, 0)} ms)`);
  return parts.length ? parts.join(', ') : '–';
}

function dynamoText(p: OperationProfile): string {
  if (p.dynamodb.calls.length === 0) return '–';
  return p.dynamodb.calls
    .map((c) => `${c.operation} ${c.tables.join('+')}${c.ok ? '' : ` (${c.errorType === 'ConditionalCheckFailedException' ? 'condition failed' : c.errorType})`}: ${c.units} ${c.kind === 'read' ? 'RRU' : 'WRU'}${c.basis === 'measured' ? '' : c.basis.startsWith('measured') ? '†' : '‡'}`)
    .join('; ');
}

function operationsRows(o: OperationsReport): (string | number)[][] {
  const rows: [string, OperationProfile][] = [
    ['successful sendPrompt, authorizer invoked (1st of the day)', o.promptsOfADay[0]!],
    [`successful sendPrompt, authorizer invoked (${o.promptsOfADay.length}th of the day)`, o.promptsOfADay[o.promptsOfADay.length - 1]!],
    ['successful sendPrompt, authorizer cached', o.promptCached],
    [`rejected sendPrompt (${o.rejectedKind ?? 'error'})`, o.rejected],
    ['login (warm auth function)', o.login],
    ['login (first in a new auth container)', o.loginCold],
    ['authorized request (myUsage), authorizer invoked', o.authorizedMiss],
    ['authorized request (myUsage), authorizer cold start', o.authorizedColdAuthorizer],
    ['authorized request (myUsage), authorizer cached', o.authorizedHit],
  ];
  return rows.map(([label, p]) => [
    label,
    p.appsyncOperations,
    lambdaText(p),
    `${p.dynamodb.reads} R / ${p.dynamodb.writes} W: ${f(p.dynamodb.rru, 1)} RRU, ${f(p.dynamodb.wru, 1)} WRU`,
    dynamoText(p),
    p.secretsManagerCalls,
  ]);
}

export function markdownReport(r: BenchResults, svgName: string): string {
  const out: string[] = [];
  const e = r.environment;
  out.push(`# Tollgate benchmark, ${r.startedAt}`);
  out.push('');
  out.push(
    `\`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\` (${r.mode}), ${r.durationSeconds} s on ${e.cpus} × ${e.cpuModel ?? 'CPU'}, ${e.memoryGb} GB, Node ${e.node}, ${e.platform}; load average ${e.loadAverage1m.atStart} at the start, ${e.loadAverage1m.atEnd} at the end (other work on the machine shows here). ` +
      'Emulator with the dev model, the load from a separate process, everything on 127.0.0.1; the baseline runs in the same process, right after.',
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(table(['target', 'goal', 'measured', 'met', 'what bounds it'], r.targets.map((t) => [t.name, t.goal, t.measured, t.met ? 'yes' : '**no**', t.bound ?? '']))); 
  out.push('');

  out.push('## 1. Throughput and latency');
  out.push('');
  out.push(`![client latency percentiles against concurrency](${svgName})`);
  out.push('');
  out.push(
    `Client latency in ms (p50 / p95 / p99) and successful requests per second. *Overhead* is ${r.definitions.overheadMs ?? ''} ` +
      'Ratios: the emulator’s p50 over the baseline’s, the baseline’s throughput over the emulator’s, and the emulator’s own work (overhead p50) over the baseline server’s whole time to answer (p50).',
  );
  out.push('');
  const rows: (string | number)[][] = [];
  for (const op of OPERATIONS) {
    for (const c of CONCURRENCIES) {
      const em = phase(r, 'emulator', op, c);
      const base = phase(r, 'baseline', op, c);
      if (!em) continue;
      rows.push([
        op,
        c,
        `${em.throughputRps} (${em.ok}${em.stoppedByTime ? ', time-capped' : ''})`,
        `${f(em.clientMs.p50)} / ${f(em.clientMs.p95)} / ${f(em.clientMs.p99)}`,
        errorsOf(em),
        em.overheadMs ? `${f(em.overheadMs.p50)} / ${f(em.overheadMs.p95)} / ${f(em.overheadMs.p99)}` : '–',
        `${Math.round(em.eventLoop.utilization * 100)} %, ${f(em.eventLoop.delayP99Ms, 1)} ms`,
        base ? `${base.throughputRps}` : '–',
        base ? `${f(base.clientMs.p50)} / ${f(base.clientMs.p99)}` : '–',
        base ? `${f(em.clientMs.p50 / base.clientMs.p50, 1)}× / ${f(base.throughputRps / em.throughputRps, 1)}×` : '–',
        base && em.overheadMs ? `${f(base.serverMs.p50, 3)} ms; ${f(em.overheadMs.p50 / base.serverMs.p50, 1)}×` : '–',
      ]);
    }
  }
  out.push(
    table(
      [
        'operation',
        'c',
        'emulator req/s (n)',
        'emulator p50 / p95 / p99',
        'errors',
        'overhead p50 / p95 / p99',
        'server loop busy, timer delay p99',
        'baseline req/s',
        'baseline p50 / p99',
        'ratio: latency / throughput',
        'baseline server p50; overhead p50 ÷ it',
      ],
      rows,
    ),
  );
  out.push('');
  const authorized = r.latency.filter((p) => p.target === 'emulator' && p.operation !== 'login');
  out.push(
    `The authorizer cache at work: over the ${authorized.reduce((s, p) => s + p.ok, 0)} authorized requests measured (16 tokens), the Lambda authorizer ran ${authorized.reduce((s, p) => s + p.authorizerInvocations, 0)} times: ` +
      'each token’s decision is cached for 60 s from its first use in the warm-up (not counted), and a phase only pays for it again after that.',
  );
  out.push('');
  const login = phase(r, 'emulator', 'login', 1);
  out.push(
    `Login is bcrypt (cost 10) in the auth Lambda: ${login ? f(login.dataSourceMs?.p50 ?? NaN, 0) : '–'} ms of its ${login ? f(login.clientMs.p50, 0) : '–'} ms p50 at concurrency 1; ` +
      'at higher concurrency the auth containers (8 at most locally, on the machine’s cores) queue. sendPrompt and myUsage are spread over 16 users, login over 64 (one attempt in flight per email).',
  );
  out.push('');

  out.push('## 2. Cold start');
  out.push('');
  out.push(
    table(
      ['function', 'memory', 'bundle (index.js)', 'gzipped', 'asset files', 'asset zipped', 'module init median / p95', 'RSS after init', 'of which its AWS SDK packages (median)'],
      r.coldStarts.map((c) => [
        c.name,
        `${c.memoryMb} MB`,
        kb(c.bundleBytes),
        kb(c.bundleGzipBytes),
        c.assetFiles.map((a) => `${a.file} ${kb(a.bytes)}`).join(', '),
        kb(c.assetZipBytes),
        `${f(c.initMs.p50, 1)} / ${f(c.initMs.p95, 1)} ms (${c.initMs.n} processes${c.failures.length ? `, ${c.failures.length} failed: ${c.failures[0]}` : ''})`,
        `${f(c.rssMb.p50, 0)} MB`,
        (c.externals.length ? `${f(c.externalsInitMs.p50, 1)} ms (${c.externals.join(', ')})` : '–') +
          (c.sdkBundled ? `; with the SDK bundled in instead: ${kb(c.sdkBundled.bundleBytes)}, init ${f(c.sdkBundled.initMs.p50, 1)} ms` : ''),
      ]),
    ),
  );
  out.push('');
  out.push(
    'Init is `require()` of the bundle in a fresh `node` with the function’s environment from the template (its `NODE_OPTIONS=--enable-source-maps` included). ' +
      'The AWS SDK is external (the nodejs24.x runtime ships it), so its load time is in init but its size is not in the bundle; the authorizer loads none of it (its two calls are signed HTTPS requests). ' +
      '“With the SDK bundled in” builds the same handler with the SDK inside, minified: the other way to ship it. ' +
      'The auth function’s init includes one bcrypt hash (its dummy hash for unknown emails).',
  );
  out.push('');
  out.push(
    `Model function memory (it waits on Bedrock ${r.cost.assumptions.modelWaitMs} ms a prompt; 10 prompts per user per day): ` +
      r.cost.modelMemory.map((m) => `${m.memoryMb} MB → Lambda ${usd(m.lambdaPerMillionPrompts)}, total ${usd(m.totalPerMillionPrompts)} per million prompts`).join('; ') +
      `. Its RSS after init is ${f(r.coldStarts.find((c) => c.name === 'model')?.rssMb.p50 ?? NaN, 0)} MB here. Lambda gives CPU in proportion to memory, which a local run cannot show: confirm init and the first call's latency on AWS.`,
  );
  out.push('');

  const o = r.operations;
  out.push('## 3. AWS operations and cost');
  out.push('');
  out.push(
    o.tapped
      ? 'Counted from the real pipeline: the emulator ran with a counting proxy in front of its local DynamoDB and Secrets Manager (bench/tap.ts, wired by an import hook, no emulator change), one request at a time. ' +
          'Lambda invocations and durations are from the per-step timings (local durations). Capacity units are dynalite’s, computed with DynamoDB’s rules (1 KB per write unit, 4 KB per strongly consistent read unit). ' +
          '† transactions: measured, and billed as DynamoDB bills transactional writes, **2 WRU per KB** of each item (the local transaction proxy applies the factor). ‡ derived: a failed conditional write is billed like a write of the item it left unchanged (at least 1 WRU); DynamoDB returns no units with the error.'
      : '**The counting tap was not in place, so these numbers were not measured.**',
  );
  out.push('');
  out.push(table(['request', 'AppSync ops', 'Lambda invocations (local duration)', 'DynamoDB', 'DynamoDB calls', 'Secrets Manager calls'], operationsRows(o)));
  out.push('');
  const sizes = o.itemSizes.map((s) => `${s.table} ${s.what}: ${s.bytes} bytes${s.readUnits !== null ? ` (${s.readUnits} RRU to read)` : ''}`).join('; ');
  const after = o.usageItemBytesAfter;
  const days = Object.keys(after).map(Number).sort((x, y) => x - y);
  const first = days[0] ?? 1;
  const last = days[days.length - 1] ?? 1;
  const perMinute = last > first ? (after[last]! - after[first]!) / (last - first) : NaN;
  const minutesTo1Kb = Number.isFinite(perMinute) && perMinute > 0 ? Math.floor(first + (1024 - after[first]!) / perMinute) : NaN;
  const growth = [1, 10, 50].filter((k) => after[k] !== undefined).map((k) => `${after[k]} bytes after ${k}`).join(', ');
  out.push(
    `Item sizes (DynamoDB’s sizing, measured): ${sizes}. The usage item gains one per-minute counter per active minute, ${f(perMinute, 1)} bytes each (${growth}): ` +
      `it stays under 1 KB, so 1 WRU per write and 2 per transactional write, until about ${minutesTo1Kb} distinct minutes in a day; a user busy in more minutes than that pays 2, then 3… WRU per write. ` +
      'The Secrets Manager reads (AWSCURRENT and AWSPREVIOUS) happen once per container, on its first token operation.',
  );
  out.push('');
  out.push('### Cost per million prompts (Bedrock tokens excluded)');
  out.push('');
  const a = r.cost.assumptions;
  out.push(
    `A user sends N prompts a day spread out (each one invokes the authorizer: its cache lives 60 s) and logs in ${a.loginsPerUserDay}× a day; the model Lambda waits ${a.modelWaitMs / 1000} s on Bedrock. ` +
      `Lambda durations: model ${a.modelWaitMs} ms + ${f(a.durationsMs.modelHandler, 1)} ms handler, authorizer ${f(a.durationsMs.authorizer, 1)} ms, login ${f(a.durationsMs.login, 0)} ms (local measurements), arm64; ` +
      `${Math.round(a.coldStartRate * 100)} % of invocations are cold starts (AWS: “INITs typically occur in under 1% of invocations”), billed their init (${f(a.initMs.authorizer, 0)} / ${f(a.initMs.auth, 0)} / ${f(a.initMs.model, 0)} ms) and, for token functions, 2 secret reads. ` +
      `The original design: API Gateway REST, one ${a.memoryMb.original} MB arm64 Lambda with the same wait, a GetSecretValue per request, a Query that reads all of today’s earlier prompts (${o.promptLogItemBytes.mean} bytes each, as ours, ${a.originalQueryEventuallyConsistent ? 'eventually consistent' : 'strongly consistent'}; billed by total size in 4 KB units, a COUNT included) and an unconditional PutItem; its login reads the secret too.`,
  );
  out.push('');
  const costRows: (string | number)[][] = [];
  for (const l of r.cost.levels) {
    const line = (d: DesignCost) => d.lines.map((x) => `${x.service} ${usd(x.usdPerMillionPrompts)}`).join(', ');
    costRows.push([l.perDay, `**${usd(l.tollgate.totalPerMillionPrompts)}** (${line(l.tollgate)})`, usd(l.tollgateWithWaf.totalPerMillionPrompts), `**${usd(l.original.totalPerMillionPrompts)}** (${line(l.original)})`]);
  }
  out.push(table(['prompts / user / day', 'Tollgate', 'Tollgate + WAF requests', 'original REST design'], costRows));
  out.push('');
  out.push('The operations behind it, per prompt (averages over the day, its login included):');
  out.push('');
  const n = (x: number, d = 2) => (Math.abs(x - Math.round(x)) < 1e-9 ? String(Math.round(x)) : x.toFixed(d));
  out.push(
    table(
      ['prompts / user / day', 'design', 'front door', 'Lambda invocations', 'Lambda GB-s', 'DynamoDB RRU', 'DynamoDB WRU', 'Secrets Manager calls'],
      r.cost.levels.flatMap((l) => [
        [l.perDay, 'Tollgate', `${n(l.operations.tollgate.appsync)} AppSync`, n(l.operations.tollgate.lambdaInvocations), n(l.operations.tollgate.lambdaGbSeconds, 3), n(l.operations.tollgate.rru), n(l.operations.tollgate.wru), n(l.operations.tollgate.secretsManagerCalls, 3)],
        [l.perDay, 'original', `${n(l.operations.original.apiGateway)} API Gateway`, n(l.operations.original.lambdaInvocations), n(l.operations.original.lambdaGbSeconds, 3), n(l.operations.original.rru), n(l.operations.original.wru), n(l.operations.original.secretsManagerCalls, 3)],
      ]),
    ),
  );
  out.push('');
  out.push(`Per single request, $ per million: ${r.cost.perRequest.map((p) => `${p.label} ${usd(p.usdPerMillion)}`).join('; ')}.`);
  out.push('');
  out.push(table(['price (us-east-1, on demand)', 'USD per', 'source', 'date'], r.cost.prices.map((p) => [p.name, p.per, p.source, p.date])));
  out.push('');
  out.push(
    'Not included: Bedrock tokens, storage and point-in-time recovery, CloudWatch logs and alarms, the $0.40 a month of the secret, WAF’s monthly ACL and rule fees, data transfer.',
  );
  out.push('');

  out.push('## 4. The front door under the per-IP limits');
  out.push('');
  out.push(
    table(
      ['from one address', 'sent (at a time)', 'admitted', 'refused', 'admitted p50 / p99 ms', 'refused p50 / p99 ms', 'wall s'],
      r.frontDoor.phases.map((p) => [
        p.operation,
        `${p.attempts} (${p.concurrency})`,
        `${p.admitted} per ${p.window}`,
        Object.entries(p.refused).map(([k, v]) => `${v} ${k}`).join(', ') || '0',
        `${f(p.admittedMs.p50, 1)} / ${f(p.admittedMs.p99, 1)}`,
        `${f(p.refusedMs.p50, 1)} / ${f(p.refusedMs.p99, 1)}`,
        f(p.wallMs / 1000, 1),
      ]),
    ),
  );
  out.push('');
  out.push(
    'A refused registration or login does no bcrypt work: it is turned away by one conditional DynamoDB write. What the rate-limit counters add to each admitted operation (operations phase, counted through the tap; failed conditional writes billed by item size, at least 1 WRU):',
  );
  out.push('');
  out.push(
    table(
      ['operation', 'counter writes (failed conditional)', 'deletes', 'WRU', 'share of the operation’s WRU'],
      r.frontDoor.counters.map((c) => [c.operation, `${c.writes} (${c.failedConditionalWrites})`, c.deletes, f(c.wru, 1), `${Math.round(c.shareOfWru * 100)} %`]),
    ),
  );
  out.push('');

  out.push(...conversationsMarkdown(r.conversations));

  out.push('## 6. The web page');
  out.push('');
  const w = r.web;
  out.push(
    table(
      ['what', 'files', 'raw', 'gzip'],
      [
        ['chat view (script, static chunks, stylesheet)', w.chat.files, kb(w.chat.rawBytes), kb(w.chat.gzipBytes)],
        ['the rest of the build (the API view: GraphiQL, CodeMirror, its stylesheet)', w.rest.files, kb(w.rest.rawBytes), kb(w.rest.gzipBytes)],
      ],
    ),
  );
  out.push('');
  out.push(
    w.loginReady
      ? `Login form takes input (navigation start → the email field in the page, then typed into): ${f(w.loginReady.firstMs, 0)} ms on the first load after the emulator starts (it bundles the app in memory then, ${f(w.buildMs, 0)} ms here), ${f(w.loginReady.warmMs.p50, 0)} ms median (min ${f(w.loginReady.warmMs.min, 0)}, max ${f(w.loginReady.warmMs.max, 0)}) over ${w.loginReady.runs} loads after it, in Chromium on 127.0.0.1 with no network throttling.`
      : `Login form timing skipped: ${w.chromiumMissing ?? 'no Chromium'}.`,
  );
  out.push('');

  out.push('## 5. Authorizer throughput');
  out.push('');
  out.push(
    table(
      ['variant', 'verifications / s', 'µs each', 'n'],
      r.authorizer.rates.map((x) => [x.variant, x.perSecond.toLocaleString('en-US'), f(x.microsecondsEach, 1), x.verifications]),
    ),
  );
  out.push('');
  out.push(
    `One thread, one ${r.authorizer.tokenBytes}-byte HS256 token, functions/commons/tokens.ts. The authorizer path holds each key as a Node KeyObject created once; the second row is jose with a WebCrypto key imported once, the floor for these checks. ` +
      'A real invocation adds the user’s GetItem (tokenVersion) and Lambda’s own overhead.',
  );
  out.push('');
  return out.join('\n') + '\n';
}

export function consoleSummary(r: BenchResults): string {
  const lines: string[] = [''];
  lines.push('operation   c    emulator req/s    p50 ms    p99 ms   overhead p50/p99 ms   baseline req/s  p50 ms   latency ratio');
  for (const op of OPERATIONS) {
    for (const c of CONCURRENCIES) {
      const em = phase(r, 'emulator', op, c);
      const b = phase(r, 'baseline', op, c);
      if (!em) continue;
      lines.push(
        `${op.padEnd(11)} ${String(c).padEnd(4)} ${String(em.throughputRps).padStart(14)} ${f(em.clientMs.p50).padStart(9)} ${f(em.clientMs.p99).padStart(9)}   ` +
          `${`${f(em.overheadMs?.p50 ?? NaN)} / ${f(em.overheadMs?.p99 ?? NaN)}`.padStart(19)}   ${String(b?.throughputRps ?? '–').padStart(14)} ${f(b?.clientMs.p50 ?? NaN).padStart(7)}   ${b ? f(em.clientMs.p50 / b.clientMs.p50, 1) + '×' : '–'}`,
      );
    }
  }
  lines.push('');
  for (const c of r.coldStarts) lines.push(`cold start  ${c.name.padEnd(10)} ${kb(c.bundleBytes).padStart(9)}  init ${f(c.initMs.p50, 1)} ms`);
  for (const p of r.frontDoor.phases) lines.push(`front door  ${p.operation.padEnd(8)} ${p.admitted} of ${p.attempts} from one address admitted per ${p.window}; refused in ${f(p.refusedMs.p50, 1)} ms (p50)`);
  for (const c of r.frontDoor.counters) lines.push(`counters    ${c.operation.padEnd(8)} +${c.writes} writes, ${f(c.wru, 1)} WRU (${Math.round(c.shareOfWru * 100)} % of its WRU)`);
  lines.push(`web page    chat ${kb(r.web.chat.gzipBytes)} gzip; login form takes input in ${r.web.loginReady ? `${f(r.web.loginReady.warmMs.p50, 0)} ms (first load ${f(r.web.loginReady.firstMs, 0)} ms)` : 'n/a (no Chromium)'}`);
  const lastTurn = r.conversations.turns[r.conversations.turns.length - 1];
  const firstTurn = r.conversations.turns[0];
  if (lastTurn && firstTurn) {
    lines.push(
      `conversation turn ${lastTurn.turn}: ${lastTurn.queries} Query, ${f(lastTurn.rru, 1)} RRU + ${f(lastTurn.wru, 1)} WRU, ${lastTurn.contextTurns} turns sent; server ${f(lastTurn.serverMs, 1)} ms (turn 1: ${f(firstTurn.serverMs, 1)} ms)`,
    );
  }
  lines.push(`authorizer  ${r.authorizer.rates.map((x) => `${x.perSecond.toLocaleString('en-US')}/s`).join(' | ')}`);
  for (const l of r.cost.levels) lines.push(`cost        ${String(l.perDay).padStart(2)}/day: Tollgate ${usd(l.tollgate.totalPerMillionPrompts)} vs original ${usd(l.original.totalPerMillionPrompts)} per million prompts`);
  lines.push('');
  for (const t of r.targets) lines.push(`${t.met ? 'met   ' : 'MISSED'}  ${t.name}: ${t.measured}`);
  return lines.join('\n') + '\n';
}

/** Section 7: what a turn costs as a conversation grows, blocking and streamed (also `npm run bench -- --conversations` alone). */
export function conversationsMarkdown(c: ConversationReport): string[] {
  const out: string[] = [];
  out.push('## 7. Conversations: what a turn costs as the conversation grows');
  out.push('');
  const sampled = c.turns.filter((t) => t.turn === 1 || t.turn % 5 === 0 || t.turn === c.turns.length);
  out.push(
    table(
      ['turn', 'earlier turns sent', 'DynamoDB calls', 'Queries', 'context RRU', 'RRU', 'WRU', 'readContext ms', 'server ms'],
      sampled.map((t) => [t.turn, t.contextTurns, t.calls, t.queries, f(t.contextRru, 1), f(t.rru, 1), f(t.wru, 1), f(t.readContextMs, 2), f(t.serverMs, 1)]),
    ),
  );
  out.push('');
  out.push(
    `One conversation, a prompt of ${c.promptBytes} bytes a turn, the dev model's answers, through the counting tap (units as dynalite reports them: the context Query reads the Prompts table's ByConversation index, eventually consistent, so 0.5 RRU per 4 KB read). ` +
      'The context is read by one Query whatever the length; its units grow with the turns it returns (up to the context budget and 50 turns), and the server time with what the model is sent.',
  );
  out.push('');
  const streamedSampled = c.streamedTurns.filter((t) => t.turn === 1 || t.turn % 5 === 0 || t.turn === c.streamedTurns.length);
  out.push(
    table(
      ['streamed turn', 'earlier turns sent', 'DynamoDB calls', 'Queries', 'context RRU', 'RRU', 'WRU', 'readContext ms', 'startPrompt server ms'],
      streamedSampled.map((t) => [t.turn, t.contextTurns, t.calls, t.queries, f(t.contextRru, 1), f(t.rru, 1), f(t.wru, 1), f(t.readContextMs, 2), f(t.serverMs, 1)]),
    ),
  );
  out.push('');
  out.push(
    'The same conversation streamed (startPrompt), each turn counted once the stream function settled it: the claimAccess transaction (the account and conversation checks and the id\'s claim, at 2 units per KB of each item), admission, openTurn, the stream function\'s log record and usage write, and any snapshot of the answer so far in the claim. The server time is startPrompt\'s, which returns at admission.',
  );
  out.push('');

  return out;
}
