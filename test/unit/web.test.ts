// The web page's pure parts: where the real-time endpoint is, the CSP, times as people read them,
// the API's errors as the page shows them, the conversation reducer, the auth mode per operation
// and the examples for every field.
import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../client/index.ts';
import { examples } from '../../web/src/api-view/examples.ts';
import { authModeFor, schema } from '../../web/src/api-view/schema.ts';
import { base64UrlJson } from '../../web/src/api/realtime.ts';
import { checkMaxTokens, checkTemperature } from '../../web/src/chat/options-popover.tsx';
import { exhaustedText, codePoints } from '../../web/src/chat/composer.tsx';
import { turnsReducer, type Turn } from '../../web/src/chat/turns.ts';
import { contentSecurityPolicy, realtimeUrlFor, type PromptLimits } from '../../web/src/config.ts';
import { problemOf } from '../../web/src/problem.ts';
import { fromNow, localTime, whenLocal } from '../../web/src/time.ts';

const LIMITS: PromptLimits = { maxPromptChars: 4000, maxOutputTokens: 1024, streamMaxOutputTokens: 4096, temperature: { min: 0, max: 1 } };
const NOW = Date.UTC(2026, 10, 30, 20, 48, 0);

describe('the real-time endpoint and the page’s CSP', () => {
  it('derives AppSync’s real-time host on AWS and /realtime elsewhere, with ws for http and wss for https', () => {
    expect(realtimeUrlFor('https://abcdefghijklmnopqrstuvwxyz.appsync-api.us-east-1.amazonaws.com/graphql')).toBe(
      'wss://abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.us-east-1.amazonaws.com/graphql',
    );
    expect(realtimeUrlFor('https://api.example.com/graphql')).toBe('wss://api.example.com/graphql/realtime');
    expect(realtimeUrlFor('http://localhost:4000/graphql')).toBe('ws://localhost:4000/graphql/realtime');
  });

  it('lets the page connect to its own origin and the API only, and frame nowhere', () => {
    const csp = contentSecurityPolicy({ graphqlUrl: 'https://abc.appsync-api.eu-west-1.amazonaws.com/graphql', realtimeUrl: 'wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/graphql' });
    expect(csp).toContain("connect-src 'self' https://abc.appsync-api.eu-west-1.amazonaws.com wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com;");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // A meta element cannot carry frame-ancestors (browsers ignore it there and say so).
    expect(contentSecurityPolicy({ graphqlUrl: 'https://a.example/graphql', realtimeUrl: 'wss://a.example/graphql/realtime' }, 'meta')).not.toContain('frame-ancestors');
  });

  it('encodes the auth header as unpadded base64url JSON, as Amplify sends it', () => {
    const encoded = base64UrlJson({ Authorization: 'Bearer a.b.c', host: 'localhost:4000' });
    expect(encoded).toMatch(/^[\w-]+$/);
    expect(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))).toEqual({ Authorization: 'Bearer a.b.c', host: 'localhost:4000' });
  });
});

describe('times on the page', () => {
  it('says how long until a moment, in hours and minutes', () => {
    expect(fromNow('2026-12-01T00:00:00.000Z', NOW)).toBe('in 3 h 12 min');
    expect(fromNow('2026-11-30T20:48:45.000Z', NOW)).toBe('in 45 s');
    expect(fromNow('2026-11-30T20:00:00.000Z', NOW)).toBe('now');
  });

  it('says when in the reader’s time zone: today, tomorrow or on a day', () => {
    expect(whenLocal('2026-12-01T00:00:00.000Z', { now: NOW, locale: 'en-GB', timeZone: 'Europe/Berlin' })).toBe('tomorrow at 01:00 CET');
    expect(whenLocal('2026-12-01T00:00:00.000Z', { now: NOW, locale: 'en-US', timeZone: 'America/New_York' })).toBe('at 07:00 PM EST');
    expect(whenLocal('2026-12-03T00:00:00.000Z', { now: NOW, locale: 'en-GB', timeZone: 'UTC' })).toBe('on Thu 3 Dec at 00:00 UTC');
    expect(localTime('2026-11-30T20:40:00.000Z', { now: NOW, locale: 'en-GB', timeZone: 'Europe/Berlin' })).toBe('21:40');
  });

  it('names what ran out and when it comes back', () => {
    expect(exhaustedText({ kind: 'requests', limit: 50, resetsAt: '2026-12-01T00:00:00.000Z' }, NOW)).toMatch(/^You have used all 50 prompts for today\. They come back (tomorrow )?at .+ \(in 3 h 12 min\)\.$/);
    expect(exhaustedText({ kind: 'tokens', limit: 200_000, resetsAt: '2026-12-01T00:00:00.000Z' }, NOW)).toContain('all 200,000 tokens');
  });
});

describe('the API’s errors on the page', () => {
  const error = (type: string, info: Record<string, unknown> | null = null, status = 200) => TollgateError.fromResponse(status, [{ message: `${type} says so.`, errorType: type, errorInfo: info }]);

  it('puts each error where it belongs and says what can be done', () => {
    expect(problemOf(error('ValidationError', { field: 'password', reason: 'tooShort' }))).toMatchObject({ field: 'password', retryable: false });
    expect(problemOf(error('EmailTaken'))).toMatchObject({ field: 'email' });
    expect(problemOf(error('InvalidCredentials'))).toMatchObject({ field: 'password', message: 'That email and password do not match an account.' });
    expect(problemOf(error('TooManyAttempts', { retryAfterSeconds: 870 }), NOW)).toMatchObject({ retryable: true, retryAt: NOW + 870_000, message: 'TooManyAttempts says so. Try again in 14 min 30 s.' });
    expect(problemOf(error('RateLimited', { retryAfterSeconds: 2 }), NOW)).toMatchObject({ retryable: true, retryAt: NOW + 2000 });
    expect(problemOf(error('QuotaExceeded', { kind: 'tokens', limit: 1000, used: 990, resetsAt: '2026-12-01T00:00:00.000Z' }))).toMatchObject({
      exhausted: { kind: 'tokens', limit: 1000, resetsAt: '2026-12-01T00:00:00.000Z' },
      retryable: false,
    });
    expect(problemOf(error('ModelError', { retryable: true }))).toMatchObject({ retryable: true });
    expect(problemOf(error('ModelError', { retryable: false }))).toMatchObject({ retryable: false });
    expect(problemOf(error('UnauthorizedException', null, 401))).toMatchObject({ signedOut: true });
    expect(problemOf(error('Unauthorized'))).toMatchObject({ signedOut: true });
    expect(problemOf(TollgateError.fromResponse(403, []))).toMatchObject({ retryable: true, message: expect.stringContaining('firewall') });
  });
});

describe('the conversation on screen', () => {
  const sent = turnsReducer([], { type: 'send', key: 'k', prompt: 'Hi', options: {}, idempotencyKey: 'i' });
  const done = { id: 'p1', model: 'm', status: 'COMPLETED' as const, queries: 1, balance: 49, usage: { inputTokens: 1, outputTokens: 2 }, createdAt: null };

  it('appends streamed text in order and ends with the result', () => {
    let turns: Turn[] = sent;
    for (const text of ['Hel', 'lo', '!']) turns = turnsReducer(turns, { type: 'event', key: 'k', event: { kind: 'text', text } });
    turns = turnsReducer(turns, { type: 'event', key: 'k', event: { kind: 'done', answer: done } });
    expect(turns[0]).toMatchObject({ text: 'Hello!', state: 'done', answer: done });
  });

  it('ignores what arrives after the person stopped it, and retries with the same idempotency key', () => {
    let turns = turnsReducer(sent, { type: 'stop', key: 'k' });
    turns = turnsReducer(turns, { type: 'event', key: 'k', event: { kind: 'text', text: 'late' } });
    expect(turns[0]).toMatchObject({ state: 'stopped', text: '' });
    const failed = turnsReducer(sent, { type: 'fail', key: 'k', problem: problemOf(new Error('x')) });
    const retried = turnsReducer(failed, { type: 'retry', key: 'k' });
    expect(retried[0]).toMatchObject({ state: 'generating', problem: null, idempotencyKey: 'i' });
  });
});

describe('the composer and its options', () => {
  it('counts code points as the API does', () => {
    expect(codePoints('👍🏽é')).toBe(3);
  });

  it('accepts options only within the API’s bounds', () => {
    expect(checkMaxTokens('1024', LIMITS.maxOutputTokens)).toEqual({ value: 1024, error: '' });
    expect(checkMaxTokens('1025', LIMITS.maxOutputTokens).error).toBe('A whole number from 1 to 1,024.');
    expect(checkMaxTokens('4096', LIMITS.streamMaxOutputTokens)).toEqual({ value: 4096, error: '' });
    expect(checkMaxTokens('4097', LIMITS.streamMaxOutputTokens).error).toBe('A whole number from 1 to 4,096.');
    expect(checkMaxTokens('0', LIMITS.maxOutputTokens).value).toBeNull();
    expect(checkMaxTokens('2.5', LIMITS.maxOutputTokens).value).toBeNull();
    expect(checkMaxTokens('', LIMITS.maxOutputTokens)).toEqual({ value: null, error: '' });
    expect(checkTemperature('0', LIMITS)).toEqual({ value: 0, error: '' });
    expect(checkTemperature('1', LIMITS)).toEqual({ value: 1, error: '' });
    expect(checkTemperature('1.01', LIMITS).error).toBe('A number from 0 to 1.');
  });
});

describe('the API view', () => {
  const operation = (text: string) => parse(text).definitions[0] as OperationDefinitionNode;

  it('sends register and login with the API key and everything else with the token, from the schema’s directives', () => {
    expect(authModeFor(operation('mutation { register(email: "a", password: "b") { id } }'))).toBe('API_KEY');
    expect(authModeFor(operation('mutation { login(email: "a", password: "b") { token } }'))).toBe('API_KEY');
    expect(authModeFor(operation('mutation { login(email: "a", password: "b") { token } sendPrompt(prompt: "x") { id } }'))).toBe('AWS_LAMBDA');
    expect(authModeFor(operation('{ myUsage { queries } }'))).toBe('AWS_LAMBDA');
    expect(authModeFor(operation('{ __schema { types { name } } }'))).toBe('API_KEY');
    expect(authModeFor(operation('subscription { onPromptEvent(promptId: "p") { text } }'))).toBe('AWS_LAMBDA');
  });

  it('has an example for every root field, each of which the schema accepts', () => {
    const list = examples();
    const fields = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) => Object.keys(t?.getFields() ?? {}));
    expect(list.map((e) => e.field).sort()).toEqual([...fields].sort());
    for (const e of list) {
      expect(() => parse(e.query), e.field).not.toThrow();
      if (e.variables) expect(() => JSON.parse(e.variables), e.field).not.toThrow();
    }
    expect(list.find((e) => e.field === 'publishPromptEvent')?.modes).toEqual(['AWS_IAM']);
  });
});
