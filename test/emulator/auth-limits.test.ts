// The auth function's limits (functions/auth/admission.ts) on the local DynamoDB through the real
// SDK, with small windows so every limit can be reached: exact under concurrency, per source IP,
// per (email, client) and the per-email ceiling that never holds back a clean client.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitLogin, admitRegistration, loginFailed, loginSucceeded, type AuthWindows } from '../../functions/auth/admission.ts';
import { WindowCounters } from '../../functions/auth/limits.ts';
import { RateLimitedError, TooManyAttemptsError } from '../../functions/commons/errors.ts';
import { startDynamoDB, type LocalDynamoDB } from '../../emulator/local/dynamodb.ts';

let local: LocalDynamoDB;
let client: DynamoDBClient;
let counters: WindowCounters;
let table = 0;

const windows: AuthWindows = {
  registrationsPerIp: { limit: 5, seconds: 3600 },
  registrations: { limit: 12, seconds: 3600 },
  loginsPerIp: { limit: 7, seconds: 60 },
  failuresPerClient: { limit: 3, seconds: 900 },
  failuresPerEmail: { limit: 5, seconds: 900 },
};

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof RateLimitedError ? 'RateLimited' : e instanceof TooManyAttemptsError ? 'TooManyAttempts' : String(e)),
  );
const tally = (xs: string[]) => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {});

/** A fresh table per test, so windows never leak between tests. */
async function freshCounters(): Promise<WindowCounters> {
  table += 1;
  const name = `limits-${table}`;
  await client.send(
    new CreateTableCommand({ TableName: name, AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
  );
  return new WindowCounters(DynamoDBDocumentClient.from(client), name);
}

beforeAll(async () => {
  local = await startDynamoDB({});
  client = new DynamoDBClient({ region: 'us-east-1', endpoint: local.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  client?.destroy();
  await local?.close();
});

describe('a window counter', () => {
  it('gives exactly the limit of 40 concurrent takes, and says when the window ends', async () => {
    counters = await freshCounters();
    const now = 1_000_000;
    const takes = await Promise.all(Array.from({ length: 40 }, () => counters.take('k', { limit: 9, seconds: 60 }, now)));
    expect(takes.filter((t) => t.ok)).toHaveLength(9);
    expect(takes.filter((t) => t.ok).map((t) => (t.ok ? t.count : 0)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(takes.filter((t) => !t.ok).map((t) => (t.ok ? 0 : t.retryAfterSeconds)))).toEqual(new Set([60]));
    expect(await counters.take('k', { limit: 9, seconds: 60 }, now + 45)).toEqual({ ok: false, retryAfterSeconds: 15 });
    expect(await counters.take('k', { limit: 9, seconds: 60 }, now + 60)).toEqual({ ok: true, count: 1 });
  });

  it('gives a slot back within its window, and not in a later one', async () => {
    counters = await freshCounters();
    const w = { limit: 2, seconds: 60 };
    await counters.take('k', w, 100);
    await counters.take('k', w, 100);
    await counters.release('k', w, 110);
    expect(await counters.take('k', w, 120)).toEqual({ ok: true, count: 2 });
    await counters.release('k', w, 500);
    expect(await counters.take('k', w, 500)).toEqual({ ok: true, count: 1 });
  });
});

describe('registrations', () => {
  it('are limited per source IP, then by the ceiling everywhere, counted exactly under concurrency', async () => {
    counters = await freshCounters();
    const fromOne = await Promise.all(Array.from({ length: 20 }, () => outcome(admitRegistration(counters, windows, '203.0.113.1'))));
    expect(tally(fromOne)).toEqual({ ok: 5, RateLimited: 15 });
    const fromMany = await Promise.all(Array.from({ length: 10 }, (_, i) => outcome(admitRegistration(counters, windows, `198.51.100.${i}`))));
    // The ceiling of 12: 5 already taken, 7 more.
    expect(tally(fromMany)).toEqual({ ok: 7, RateLimited: 3 });
  });
});

describe('logins', () => {
  it('are limited per source IP per minute, before any password is looked at', async () => {
    counters = await freshCounters();
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(admitLogin(counters, windows, `user${i}@example.com`, '203.0.113.2'))));
    expect(tally(burst)).toEqual({ ok: 7, RateLimited: 13 });
  });

  it('stop one client after its failures for an email, hold back failed clients past the email’s ceiling, and let a clean client through', async () => {
    counters = await freshCounters();
    const email = 'owner@example.com';
    /** An attempt with a wrong password: admitted or not, and counted as a failure if it ran. */
    const wrong = (source: string) =>
      outcome(
        admitLogin(counters, windows, email, source).then(async (attempt) => {
          await loginFailed(counters, windows, attempt);
        }),
      );
    // One attacker: three failures, then refused, however many it sends at once.
    const attacker = await Promise.all(Array.from({ length: 6 }, () => wrong('203.0.113.3')));
    expect(tally(attacker)).toEqual({ ok: 3, TooManyAttempts: 3 });
    // Distributed guessing: every new client gets a first try, which counts towards the ceiling of 5.
    for (let i = 0; i < 4; i += 1) expect(await wrong(`198.51.100.${i}`)).toBe('ok');
    // A client that already failed is held back now.
    expect(await wrong('198.51.100.0')).toBe('TooManyAttempts');
    // The owner, from a client with no failures, is not.
    const owner = await admitLogin(counters, windows, email, '192.0.2.1');
    await loginSucceeded(counters, windows, owner);
    expect(await outcome(admitLogin(counters, windows, email, '192.0.2.1'))).toBe('ok');
  });

  it('never hold back a client whose logins keep succeeding, however many run in parallel', async () => {
    counters = await freshCounters();
    const email = 'busy@example.com';
    const source = '203.0.113.4';
    const roomy = { ...windows, loginsPerIp: { limit: 1000, seconds: 60 }, failuresPerClient: { limit: 10, seconds: 900 }, failuresPerEmail: { limit: 100, seconds: 900 } };
    const sessions = await Promise.all(
      Array.from({ length: 7 }, async () => {
        const seen: string[] = [];
        for (let i = 0; i < 10; i += 1) {
          const attempt = admitLogin(counters, roomy, email, source);
          seen.push(await outcome(attempt));
          await new Promise((r) => setTimeout(r, 5));
          await attempt.then((admitted) => loginSucceeded(counters, roomy, admitted), () => undefined);
        }
        return seen;
      }),
    );
    expect(tally(sessions.flat())).toEqual({ ok: 70 });
  });
});
