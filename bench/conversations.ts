// What a conversation costs as it grows: one user sends TURNS prompts into one conversation (a
// minute apart on the emulator's clock, so no per-minute limit interferes), through an emulator
// whose local DynamoDB sits behind the counting tap (bench/tap.ts). Per turn: the DynamoDB calls
// the prompt caused (Queries among them, the goal being one however long the conversation), their
// read and write units, the context turns sent, and the time the context read and the whole
// request took on the server, against the conversation's first prompt. Then a second conversation
// of streamed turns (startPrompt), counted once the stream function has settled each: its
// claimAccess transaction (2 units per KB of each item), the stream function's writes and the
// claim's snapshots included.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoginDocument, RegisterDocument, SendPromptDocument, StartPromptDocument } from '../client/index.ts';
import { startEmulator } from '../emulator/start.ts';
import { constructId } from '../emulator/template.ts';
import { graphql, loopback, PASSWORD, setLimits } from './api.ts';
import { round } from './stats.ts';
import { tap } from './tap.ts';

export interface TurnCost {
  turn: number;
  contextTurns: number;
  queries: number;
  /** Read units of the context Query (the Prompts table's ByConversation index). */
  contextRru: number;
  rru: number;
  wru: number;
  calls: number;
  /** Server time of the readContext step (its Query and response handler), and of the whole request. */
  readContextMs: number;
  serverMs: number;
}

export interface ConversationReport {
  tapped: boolean;
  turns: TurnCost[];
  /** The same conversation streamed (startPrompt), each turn counted once it settled. */
  streamedTurns: TurnCost[];
  promptBytes: number;
  maxQueriesPerPrompt: number;
}

const TURNS = { quick: 20, full: 40 };

export async function measureConversations(cdkOut: string, mode: 'quick' | 'full', log: (line: string) => void): Promise<ConversationReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-conv-'));
  tap.armed = true;
  let api: Awaited<ReturnType<typeof startEmulator>>;
  try {
    api = await startEmulator({ cdkOut, dataDir, port: 0, log: () => undefined, waf: false });
  } finally {
    tap.armed = false;
  }
  const tapped = tap.installed.dynamodb;
  const logical = (physical: string) => {
    for (const t of api.stack.tables.values()) if (t.physicalName === physical) return constructId(t.logicalId);
    return physical;
  };
  try {
    const url = loopback(api.graphqlUrl);
    const email = `conv-${process.pid}-${Date.now()}@example.com`;
    await graphql(url, { apiKey: api.apiKey }, RegisterDocument, { email, password: PASSWORD });
    await setLimits(api, [email], { dailyPromptLimit: 1000, promptsPerMinute: 1000, dailyTokenLimit: 10_000_000, promptsInFlight: 10 });
    const token = (await graphql<{ login: { token: string } }>(url, { apiKey: api.apiKey }, LoginDocument, { email, password: PASSWORD })).data?.login.token ?? '';
    if (!token) throw new Error('the conversations phase could not log in');
    const prompt = (k: number) => `Turn ${k}: ` + 'Tell me one more thing about rate limits and quotas for a chat API. '.repeat(4);
    const count = TURNS[mode];
    log(`  one conversation of ${count} turns, a prompt of ${Buffer.byteLength(prompt(10))} bytes each…`);
    const startOfDay = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    let minute = 1;
    const converse = async (streamed: boolean): Promise<TurnCost[]> => {
      const turns: TurnCost[] = [];
      let conversationId: string | undefined;
      for (let k = 1; k <= count; k++) {
        api.clock.set(startOfDay + 60_000 + minute++ * 61_000);
        const mark = tap.mark();
        const variables = { prompt: prompt(k), conversationId };
        const reply = streamed
          ? await graphql<{ startPrompt: { conversationId: string; contextTurns: number } }>(url, { token }, StartPromptDocument, variables)
          : await graphql<{ sendPrompt: { conversationId: string; contextTurns: number } }>(url, { token }, SendPromptDocument, variables);
        const answer = reply.data && ('startPrompt' in reply.data ? reply.data.startPrompt : reply.data.sendPrompt);
        if (!answer) throw new Error(`${streamed ? 'streamed ' : ''}turn ${k} failed: ${reply.errorType}`);
        // A streamed turn's answer is written and settled by the stream function after the request.
        if (streamed) await api.lambdaAsync.idle();
        conversationId = answer.conversationId;
        const calls = tap.since(mark).filter((c) => c.service === 'dynamodb');
        const reads = ['GetItem', 'Query', 'BatchGetItem', 'TransactGetItems'];
        const units = (read: boolean) => calls.filter((c) => reads.includes(c.operation) === read).reduce((s, c) => s + c.consumed.reduce((n, x) => n + x.units, 0), 0);
        const contextQuery = calls.filter((c) => c.operation === 'Query' && c.tables.some((t) => logical(t) === 'PromptsTable'));
        const steps = reply.timings?.steps ?? [];
        turns.push({
          turn: k,
          contextTurns: answer.contextTurns,
          queries: calls.filter((c) => c.operation === 'Query').length,
          contextRru: round(contextQuery.reduce((s, c) => s + c.consumed.reduce((n, x) => n + x.units, 0), 0), 2),
          rru: round(units(true), 2),
          wru: round(units(false), 2),
          calls: calls.length,
          readContextMs: round(steps.filter((s) => s.step.startsWith('readContext.')).reduce((n, s) => n + s.ms, 0), 2),
          serverMs: round(reply.timings?.totalMs ?? 0, 2),
        });
      }
      return turns;
    };
    const turns = await converse(false);
    log(`  the same, streamed (startPrompt)…`);
    const streamedTurns = await converse(true);
    const all = [...turns, ...streamedTurns];
    return { tapped, turns, streamedTurns, promptBytes: Buffer.byteLength(prompt(10)), maxQueriesPerPrompt: Math.max(...all.map((t) => t.queries)) };
  } finally {
    api.clock.reset();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
