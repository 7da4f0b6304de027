// What one client address gets from the front door under the limits of issue 11: registrations
// and logins sent as fast as it can from one loopback address, how many are admitted per window,
// how fast the rest are refused (no bcrypt), and what the rate-limit counters cost in DynamoDB
// (from the operations phase's register and login, counted through the tap).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LoginDocument, RegisterDocument } from '../client/index.ts';
import { startEmulator } from '../emulator/start.ts';
import { graphql, inBatches, loopback, PASSWORD } from './api.ts';
import type { OperationProfile } from './operations.ts';
import { round, stats, type Stats } from './stats.ts';

export interface DoorPhase {
  operation: 'register' | 'login';
  /** Sent from one address, `concurrency` at a time. */
  attempts: number;
  concurrency: number;
  admitted: number;
  refused: Record<string, number>;
  /** The limit's window, for reading `admitted` as a rate. */
  window: string;
  admittedMs: Stats;
  refusedMs: Stats;
  wallMs: number;
}

export interface CounterCost {
  operation: 'register' | 'login';
  writes: number;
  failedConditionalWrites: number;
  deletes: number;
  reads: number;
  wru: number;
  rru: number;
  /** Share of the operation's DynamoDB write units. */
  shareOfWru: number;
}

export interface FrontDoorReport {
  phases: DoorPhase[];
  counters: CounterCost[];
}

async function phase(operation: 'register' | 'login', attempts: number, concurrency: number, window: string, send: (i: number) => Promise<string | null>): Promise<DoorPhase> {
  const admitted: number[] = [];
  const refusedMs: number[] = [];
  const refused: Record<string, number> = {};
  const started = performance.now();
  await inBatches(
    Array.from({ length: attempts }, (_, i) => i),
    concurrency,
    async (i) => {
      const t = performance.now();
      const errorType = await send(i);
      const ms = performance.now() - t;
      if (errorType === null) admitted.push(ms);
      else {
        refusedMs.push(ms);
        refused[errorType] = (refused[errorType] ?? 0) + 1;
      }
    },
  );
  return { operation, attempts, concurrency, admitted: admitted.length, refused, window, admittedMs: stats(admitted), refusedMs: stats(refusedMs), wallMs: round(performance.now() - started, 1) };
}

/** The rate-limit table's share of a profiled register or login. */
export function counterCost(operation: 'register' | 'login', profile: OperationProfile): CounterCost {
  const calls = profile.dynamodb.calls.filter((c) => c.tables.includes('RateLimitsTable'));
  const writes = calls.filter((c) => c.kind === 'write');
  const wru = round(writes.reduce((s, c) => s + c.units, 0), 2);
  return {
    operation,
    writes: writes.length,
    failedConditionalWrites: writes.filter((c) => !c.ok).length,
    deletes: writes.filter((c) => c.operation === 'DeleteItem').length,
    reads: calls.filter((c) => c.kind === 'read').length,
    wru,
    rru: round(calls.filter((c) => c.kind === 'read').reduce((s, c) => s + c.units, 0), 2),
    shareOfWru: profile.dynamodb.wru > 0 ? round(wru / profile.dynamodb.wru, 3) : 0,
  };
}

export async function measureFrontDoor(cdkOut: string, log: (line: string) => void): Promise<DoorPhase[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-door-'));
  const api = await startEmulator({ cdkOut, dataDir, port: 0, log: () => undefined });
  try {
    const url = loopback(api.graphqlUrl);
    const key = { apiKey: api.apiKey };
    const run = `${process.pid}-${Date.now()}`;
    const errorOf = (r: { errorType: string | null }) => r.errorType;
    log('  20 registrations from one address, 4 at a time…');
    const register = await phase('register', 20, 4, 'an hour', async (i) =>
      errorOf(await graphql(url, key, RegisterDocument, { email: `door-${run}-${i}@example.com`, password: PASSWORD }, '127.0.3.1')),
    );
    const email = `door-${run}-login@example.com`;
    await graphql(url, key, RegisterDocument, { email, password: PASSWORD }, '127.0.3.9');
    log('  90 logins from one address, 16 at a time…');
    const login = await phase('login', 90, 16, 'a minute', async () => errorOf(await graphql(url, key, LoginDocument, { email, password: PASSWORD }, '127.0.3.2')));
    for (const p of [register, login]) {
      log(`  ${p.operation.padEnd(8)} ${p.admitted} of ${p.attempts} admitted (per ${p.window}); admitted p50 ${p.admittedMs.p50.toFixed(1)} ms, refused p50 ${p.refusedMs.p50.toFixed(1)} ms`);
    }
    return [register, login];
  } finally {
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
