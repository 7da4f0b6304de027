// Streamed prompts (startPrompt → the stream function → publishPromptEvent → the subscriber):
//   - time to first token through the emulator against the dev model's own (ConverseStream
//     called directly, through the same IAM gateway the stream function uses);
//   - AppSync operations and their cost per million streamed prompts against blocking ones, for a
//     3 s answer, at several batching intervals (the stream's real batching class, on real timers,
//     fed a 3 s delta timeline), and what the end-to-end run published at the stack's default;
//   - how many concurrent streams one emulator holds (each subscribed, started at once, all ending
//     with their whole text).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { WebSocket } from 'ws';
import { LoginDocument, PromptDocument, RegisterDocument, StartPromptDocument } from '../client/generated/operations.ts';
import { newPromptId } from '../client/index.ts';
import { DEFAULT_PACE } from '../emulator/local/bedrock.ts';
import { startEmulator, type Emulator } from '../emulator/start.ts';
import { EventStream } from '../functions/stream/publish.ts';
import { graphql, inBatches, loopback, PASSWORD, setLimits } from './api.ts';
import { addressOf } from './latency.ts';
import { median, round } from './stats.ts';

/** AppSync's list prices (https://aws.amazon.com/appsync/pricing/, checked 2026-11-30 by the first half of issue 15, see README). */
export const APPSYNC_PRICES = { operation: 4.0 / 1e6, realtimeUpdate: 2.0 / 1e6, connectionMinute: 0.08 / 1e6 };

export interface StreamingResults {
  pace: { firstTokenMs: number; tokensPerSecond: number };
  ttft: { direct: { p50: number; p90: number }; throughEmulator: { p50: number; p90: number }; addedP50: number; samples: number };
  endToEnd: { batchMs: number; publishesPerPrompt: number; answerChars: number };
  batching: { batchMs: number; publishes: number; maxGapMs: number; usdPerMillion: number; timesBlocking: number }[];
  blockingUsdPerMillion: number;
  concurrency: { streams: number; completed: number; wholeText: number; seconds: number; rssMb: number }[];
}

const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

interface Subscriber {
  firstText: Promise<number>;
  done: Promise<{ texts: string[]; events: number }>;
  close(): void;
}

/** A raw AppSync real-time subscriber on one prompt id, resolved once start_ack came. */
async function subscribe(api: Emulator, token: string, promptId: string): Promise<Subscriber> {
  const auth = { Authorization: `Bearer ${token}`, host: new URL(api.graphqlUrl).host };
  const ws = new WebSocket(loopback(api.realtimeUrl), ['graphql-ws', `header-${Buffer.from(JSON.stringify(auth)).toString('base64url')}`]);
  let firstText!: (at: number) => void;
  let done!: (v: { texts: string[]; events: number }) => void;
  const texts: string[] = [];
  let events = 0;
  const acked = new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { type: string; payload?: { data?: { onPromptEvent?: { kind: string; text: string | null } } } };
      if (frame.type === 'connection_ack') {
        const data = JSON.stringify({ query: 'subscription On($promptId: ID!) { onPromptEvent(promptId: $promptId) { promptId userId seq kind text offset status } }', variables: { promptId } });
        ws.send(JSON.stringify({ id: '1', type: 'start', payload: { data, extensions: { authorization: auth } } }));
      } else if (frame.type === 'start_ack') {
        resolve();
      } else if (frame.type === 'data') {
        const event = frame.payload!.data!.onPromptEvent!;
        events += 1;
        if (event.kind === 'TEXT') {
          if (texts.length === 0) firstText(performance.now());
          texts.push(event.text ?? '');
        } else {
          done({ texts, events });
        }
      } else if (frame.type === 'error') {
        reject(new Error(JSON.stringify(frame)));
      }
    });
  });
  const result: Subscriber = {
    firstText: new Promise((resolve) => (firstText = resolve)),
    done: new Promise((resolve) => (done = resolve)),
    close: () => ws.close(),
  };
  await acked;
  return result;
}

async function users(api: Emulator, count: number): Promise<string[]> {
  const url = loopback(api.graphqlUrl);
  const run = `${process.pid}-${Date.now()}`;
  const emails = Array.from({ length: count }, (_, i) => `stream-${run}-${i}@example.com`);
  await inBatches(emails, 8, async (email, i) => {
    const r = await graphql(url, { apiKey: api.apiKey }, RegisterDocument, { email, password: PASSWORD }, addressOf(i));
    if (r.errorType) throw new Error(`register failed: ${r.errorType}`);
  });
  await setLimits(api, emails, { dailyPromptLimit: 1_000_000, promptsPerMinute: 1_000_000, dailyTokenLimit: 2_000_000_000, promptsInFlight: 1000 });
  return inBatches(emails, 8, async (email, i) => {
    const r = await graphql<{ login: { token: string } }>(url, { apiKey: api.apiKey }, LoginDocument, { email, password: PASSWORD }, addressOf(i));
    if (!r.data) throw new Error(`login failed: ${r.errorType}`);
    return r.data.login.token;
  });
}

/** The dev model's own time to first token: ConverseStream through the stream function's gateway, with its credentials. */
async function directTtft(api: Emulator, samples: number): Promise<number[]> {
  const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: api.functionEndpoints.bedrockRuntime ?? undefined, credentials: api.functionCredentials('StreamFunction') });
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const res = await client.send(new ConverseStreamCommand({ modelId: 'us.amazon.nova-2-lite-v1:0', messages: [{ role: 'user', content: [{ text: `Direct ${i}` }] }], inferenceConfig: { maxTokens: 500 } }));
    for await (const part of res.stream ?? []) {
      if (part.contentBlockDelta?.delta?.text) {
        out.push(performance.now() - started);
        break;
      }
    }
  }
  client.destroy();
  return out;
}

/** The batching class on real timers, fed a 3 s answer: first text at 400 ms, then ~4 tokens every 50 ms (80 tokens/s). */
async function batchingRun(batchMs: number): Promise<{ publishes: number; maxGapMs: number }> {
  const at: number[] = [];
  const stream = new EventStream({ promptId: 'p', userId: 'u' }, async () => void at.push(performance.now()), batchMs);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 400));
  while (performance.now() - started < 3000) {
    stream.text('four tokens here ');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stream.end({ kind: 'DONE', status: 'COMPLETED' });
  const gaps = at.slice(1).map((t, i) => t - at[i]!);
  return { publishes: at.length, maxGapMs: round(Math.max(...gaps.slice(0, -1), 0), 0) };
}

/**
 * AppSync's bill for one streamed prompt with `publishes` events and one subscriber: startPrompt
 * (an operation), each publish (an operation plus a real-time message to the subscriber), the
 * connection and the subscription's start (real-time operations), and the connection's minutes.
 */
export function streamedUsd(publishes: number, connectedSeconds: number): number {
  const { operation, realtimeUpdate, connectionMinute } = APPSYNC_PRICES;
  return operation + publishes * (operation + realtimeUpdate) + 2 * realtimeUpdate + (connectedSeconds / 60) * connectionMinute;
}

export async function measureStreaming(cdkOut: string, log: (line: string) => void, mode: 'quick' | 'full'): Promise<StreamingResults> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-stream-'));
  const api = await startEmulator({ cdkOut, dataDir, port: 0, log: () => undefined, waf: false, devModelPace: DEFAULT_PACE });
  try {
    const samples = mode === 'quick' ? 8 : 20;
    log(`  time to first token, ${samples} prompts each way (dev model pace ${DEFAULT_PACE.firstTokenMs} ms + ${DEFAULT_PACE.tokensPerSecond} tokens/s)…`);
    const direct = await directTtft(api, samples);
    const [token] = await users(api, 1);
    const url = loopback(api.graphqlUrl);
    const through: number[] = [];
    const publishes: number[] = [];
    let chars = 0;
    // One prompt first, not counted: the stream function's cold start (Lambda init) is not streaming's cost.
    for (let i = -1; i < samples; i++) {
      const promptId = newPromptId();
      const sub = await subscribe(api, token!, promptId);
      const started = performance.now();
      const r = await graphql(url, { token: token! }, StartPromptDocument, { prompt: `Streamed ${i}`, promptId });
      if (r.errorType) throw new Error(`startPrompt failed: ${r.errorType}`);
      const first = (await sub.firstText) - started;
      const done = await sub.done;
      sub.close();
      if (i < 0) continue;
      through.push(first);
      publishes.push(done.events);
      chars = done.texts.join('').length;
    }
    const batchMs = Number(api.stack.lambdas.get([...api.stack.lambdas.keys()].find((id) => id.startsWith('StreamFunction'))!)!.environment.STREAM_BATCH_MS);
    await api.lambdaAsync.idle();

    log('  batching: publishes and largest gap for a 3 s answer…');
    const batching = [];
    for (const ms of [0, 50, 100, 200, 250, 500, 1000]) {
      const run = await batchingRun(ms);
      const usd = streamedUsd(run.publishes, 4) * 1e6;
      batching.push({ batchMs: ms, publishes: run.publishes, maxGapMs: run.maxGapMs, usdPerMillion: round(usd, 2), timesBlocking: round(usd / (APPSYNC_PRICES.operation * 1e6), 1) });
    }

    log('  concurrent streams one emulator holds…');
    const levels = mode === 'quick' ? [10, 50] : [25, 100, 200];
    const tokens = await users(api, Math.max(...levels) / 5);
    const concurrency = [];
    for (const streams of levels) {
      const started = performance.now();
      const outcomes = await Promise.all(
        Array.from({ length: streams }, async (_, i) => {
          const t = tokens[i % tokens.length]!;
          const promptId = newPromptId();
          const sub = await subscribe(api, t, promptId);
          const r = await graphql(url, { token: t }, StartPromptDocument, { prompt: `Concurrent ${i}`, promptId }, addressOf(i % tokens.length));
          if (r.errorType) {
            sub.close();
            return { completed: false, whole: false };
          }
          const done = await Promise.race([sub.done, new Promise<null>((resolve) => setTimeout(() => resolve(null), 120_000))]);
          sub.close();
          if (!done) return { completed: false, whole: false };
          const logged = await graphql<{ prompt: { response: string } }>(url, { token: t }, PromptDocument, { id: promptId });
          return { completed: true, whole: logged.data?.prompt.response === done.texts.join('') };
        }),
      );
      await api.lambdaAsync.idle();
      concurrency.push({
        streams,
        completed: outcomes.filter((o) => o.completed).length,
        wholeText: outcomes.filter((o) => o.whole).length,
        seconds: round((performance.now() - started) / 1000, 1),
        rssMb: round(process.memoryUsage().rss / 2 ** 20, 0),
      });
      log(`    ${streams} streams: ${concurrency.at(-1)!.completed} ended, ${concurrency.at(-1)!.wholeText} with the whole text, ${concurrency.at(-1)!.seconds} s`);
    }

    const d50 = median(direct);
    const t50 = median(through);
    return {
      pace: DEFAULT_PACE,
      ttft: { direct: { p50: round(d50, 1), p90: round(p(direct, 0.9), 1) }, throughEmulator: { p50: round(t50, 1), p90: round(p(through, 0.9), 1) }, addedP50: round(t50 - d50, 1), samples },
      endToEnd: { batchMs, publishesPerPrompt: median(publishes), answerChars: chars },
      batching,
      blockingUsdPerMillion: APPSYNC_PRICES.operation * 1e6,
      concurrency,
    };
  } finally {
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function streamingMarkdown(r: StreamingResults): string {
  const lines = [
    '## Streamed prompts',
    '',
    `Dev model pace: first token after ${r.pace.firstTokenMs} ms, then ${r.pace.tokensPerSecond} tokens/s (TOLLGATE_DEV_MODEL_PACE).`,
    '',
    `| Time to first token (${r.ttft.samples} prompts each, after one uncounted warm-up) | p50 | p90 |`,
    '|---|---|---|',
    `| the dev model's own (ConverseStream, direct) | ${r.ttft.direct.p50} ms | ${r.ttft.direct.p90} ms |`,
    `| through the emulator (startPrompt sent → first TEXT frame at a subscriber) | ${r.ttft.throughEmulator.p50} ms | ${r.ttft.throughEmulator.p90} ms |`,
    `| added (p50) | ${r.ttft.addedP50} ms | goal ≤ 50 ms |`,
    '',
    `End to end at the stack's default batching (${r.endToEnd.batchMs} ms): ${r.endToEnd.publishesPerPrompt} events per prompt (TEXT + DONE) for a ${r.endToEnd.answerChars}-character dev-model answer.`,
    '',
    '| Batching (ms) | publishes for a 3 s answer | largest gap between TEXT events | AppSync $ per million streamed prompts | × blocking ($' + r.blockingUsdPerMillion.toFixed(2) + ') |',
    '|---|---|---|---|---|',
    ...r.batching.map((b) => `| ${b.batchMs} | ${b.publishes} | ${b.maxGapMs} ms | ${b.usdPerMillion.toFixed(2)} | ${b.timesBlocking} |`),
    '',
    '| Concurrent streams | ended | whole text in the log | seconds | bench process RSS (MB) |',
    '|---|---|---|---|---|',
    ...r.concurrency.map((c) => `| ${c.streams} | ${c.completed} | ${c.wholeText} | ${c.seconds} | ${c.rssMb} |`),
    '',
  ];
  return lines.join('\n');
}
