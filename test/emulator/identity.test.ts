// Identity under attack, end to end: registration races, brute force, token revocation and
// accounts that change under a live token (login timing, which needs real bcrypt: login-timing.test.ts).
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../client/index.ts';
import { documentClientOf, freshUser, outcome, PASSWORD, startTestEmulator, tally as count, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';

let api: TestEmulator;
let db: DynamoDBDocumentClient;


beforeAll(async () => {
  api = await startTestEmulator();
  db = documentClientOf(api);
});

afterAll(async () => {
  db?.destroy();
  await api?.stop();
});

/** The authorizer caches decisions per header; moving the clock past the TTL expires them. */
function expireAuthorizerCache(): void {
  api.clock.set(api.clock.now() + 3601_000);
}

describe('registration', () => {
  it('gives exactly one account to 50 concurrent registrations of one email, and never overwrites it', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => outcome(api.client().register(i % 2 ? email : email.toUpperCase(), `${PASSWORD} ${i}`))));
    expect(count(results)).toEqual({ ok: 1, EmailTaken: 49 });
    const stored = await db.send(new GetCommand({ TableName: api.tableName('UsersTable'), Key: { email } }));
    const winner = results.indexOf('ok');
    // The one account keeps the winner's password: later registrations changed nothing.
    await expect(api.client().login(email, `${PASSWORD} ${winner}`)).resolves.toMatchObject({ email });
    expect(stored.Item?.tokenVersion).toBe(0);
  });

  it('refuses one of the most common passwords and an over-long one, with field and reason', async () => {
    await expect(api.client().register(uniqueEmail('weak'), 'Password1')).rejects.toMatchObject({ errorInfo: { reason: 'common' } });
    await expect(api.client().register(uniqueEmail('fine'), 'plum kettle 42')).resolves.toBeTruthy();
    await expect(api.client().register(uniqueEmail('weak'), 'qwerty123')).rejects.toMatchObject({ errorType: 'ValidationError', errorInfo: { field: 'password', reason: 'common' } });
    await expect(api.client().register(uniqueEmail('long'), 'x'.repeat(73))).rejects.toMatchObject({ errorInfo: { field: 'password', reason: 'tooLong' } });
    await expect(api.client().register('not-an-email', PASSWORD)).rejects.toMatchObject({ errorInfo: { field: 'email', reason: 'invalid' } });
  });
});

describe('login', () => {
  it('throttles one client after 10 failures for an email, correct password included, even under concurrency', async () => {
    const email = uniqueEmail('brute');
    await api.client().register(email, PASSWORD);
    const attacker = '127.0.9.1';
    const guesses = await Promise.all(Array.from({ length: 25 }, (_, i) => outcome(api.clientFrom(attacker).login(email, `wrong guess ${i}`))));
    expect(count(guesses)).toEqual({ InvalidCredentials: 10, TooManyAttempts: 15 });
    const locked = await api.clientFrom(attacker).login(email, PASSWORD).catch((e: unknown) => e);
    expect(locked).toMatchObject({ errorType: 'TooManyAttempts' });
    const retryAfter = (locked as TollgateError<'TooManyAttempts'>).errorInfo?.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // The owner, elsewhere, is not locked out by the attacker's failures.
    await expect(api.clientFrom('127.0.9.2').login(email, PASSWORD)).resolves.toMatchObject({ email });
  });

  it('lets concurrent logins with the right password through (they race to open the window)', async () => {
    const email = uniqueEmail('parallel');
    await api.client().register(email, PASSWORD);
    const logins = await Promise.all(Array.from({ length: 8 }, () => outcome(api.client().login(email, PASSWORD))));
    expect(count(logins)).toEqual({ ok: 8 });
  });

  it('throttles unknown emails the same way, so throttling reveals nothing', async () => {
    const email = uniqueEmail('ghost');
    const results = [];
    for (let i = 0; i < 11; i += 1) results.push(await outcome(api.clientFrom('127.0.9.3').login(email, 'whatever 123')));
    expect(count(results)).toEqual({ InvalidCredentials: 10, TooManyAttempts: 1 });
  });
});

describe('tokens', () => {
  it('stop working after logoutEverywhere, once the authorizer cache expires', async () => {
    const { client, email } = await freshUser(api, 'logout');
    await expect(client.myUsage()).resolves.toBeTruthy();
    await expect(client.logoutEverywhere()).resolves.toBe(true);
    expireAuthorizerCache();
    await expect(client.myUsage()).rejects.toMatchObject({ errorType: 'UnauthorizedException', status: 401 });
    await client.login(email, PASSWORD);
    await expect(client.myUsage()).resolves.toBeTruthy();
  });

  it('stop working when the account is disabled or deleted', async () => {
    const disabled = await freshUser(api, 'disabled');
    await db.send(new UpdateCommand({ TableName: api.tableName('UsersTable'), Key: { email: disabled.email }, UpdateExpression: 'SET disabled = :t', ExpressionAttributeValues: { ':t': true } }));
    const deleted = await freshUser(api, 'deleted');
    await db.send(new DeleteCommand({ TableName: api.tableName('UsersTable'), Key: { email: deleted.email } }));
    expireAuthorizerCache();
    await expect(disabled.client.myUsage()).rejects.toMatchObject({ status: 401 });
    await expect(deleted.client.myUsage()).rejects.toMatchObject({ status: 401 });
    await expect(api.client().login(disabled.email, PASSWORD)).rejects.toMatchObject({ errorType: 'InvalidCredentials' });
  });

  it('are accepted with or without "Bearer "', async () => {
    const { token } = await freshUser(api, 'bare');
    await expect(api.client(token).myUsage()).resolves.toBeTruthy();
    const res = await fetch(api.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: token }, body: JSON.stringify({ query: '{ myUsage { queries } }' }) });
    expect(res.status).toBe(200);
  });
});

describe('logs', () => {
  it('never contain a password, token, password hash or the signing secret', async () => {
    const { email, token, client } = await freshUser(api, 'logs');
    await client.sendPrompt('Say something about logs.');
    await client.myUsage();
    await outcome(api.client().login(email, 'a wrong password'));
    const user = await db.send(new GetCommand({ TableName: api.tableName('UsersTable'), Key: { email } }));
    const secrets = JSON.parse((await import('node:fs')).readFileSync(`${api.dataDir}/secrets.json`, 'utf8')) as unknown;
    const secretValues = JSON.stringify(secrets).match(/[A-Za-z0-9]{64}/g) ?? [];
    expect(secretValues.length).toBeGreaterThan(0);
    const all = api.logs.join('\n');
    for (const needle of [PASSWORD, 'a wrong password', token, token.split('.')[2]!, user.Item?.passwordHash as string, ...secretValues]) {
      expect(all).not.toContain(needle);
    }
  });
});
