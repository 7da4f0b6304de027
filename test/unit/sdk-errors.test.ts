// The SDK's errors: the vocabulary as a union with errorInfo typed per errorType, network
// failures as NetworkError, and answers that are not GraphQL as UnknownError.
import { describe, expect, it } from 'vitest';
import { asTollgateError, createClient, TollgateError } from '../../client/index.ts';

const URL = 'http://localhost:4000/graphql';
const answer = (status: number, body: string, type = 'application/json') => async () => new Response(body, { status, headers: { 'content-type': type } });

describe('TollgateError', () => {
  it('reads each errorInfo into its documented shape, and narrows with is() and a switch', () => {
    const quota = TollgateError.fromResponse(200, [{ message: 'm', errorType: 'QuotaExceeded', errorInfo: { kind: 'tokens', limit: 10, used: 10, resetsAt: '2026-12-01T00:00:00.000Z', extra: 1 } }]);
    expect(quota.is('QuotaExceeded') && quota.errorInfo).toEqual({ kind: 'tokens', limit: 10, used: 10, resetsAt: '2026-12-01T00:00:00.000Z' });
    const any = asTollgateError(quota);
    if (any?.errorType !== 'QuotaExceeded') throw new Error('narrowing failed');
    expect(any.errorInfo?.kind).toBe('tokens');
    // An info without the documented shape is null rather than a guess.
    expect(TollgateError.fromResponse(200, [{ message: 'm', errorType: 'RateLimited', errorInfo: { retryAfterSeconds: 'soon' } }]).errorInfo).toBeNull();
  });

  it('keeps AppSync’s own and unknown errors as UnknownError with their errorType and status', () => {
    const malformed = TollgateError.fromResponse(400, [{ message: 'Unable to parse GraphQL query.', errorType: 'MalformedHttpRequestException' }]);
    expect(malformed).toMatchObject({ errorType: 'UnknownError', errorInfo: { errorType: 'MalformedHttpRequestException', status: 400 }, message: 'Unable to parse GraphQL query.' });
    expect(TollgateError.fromResponse(401, [])).toMatchObject({ errorType: 'UnauthorizedException', errorInfo: null });
  });
});

describe('the client', () => {
  it('wraps "fetch failed" as a NetworkError that names the URL and the reason', async () => {
    const refused = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4000'), { code: 'ECONNREFUSED' }) });
    };
    const error = await createClient({ url: URL, apiKey: 'k', fetch: refused }).register('a@b.co', 'pw').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateError);
    expect(error).toMatchObject({ errorType: 'NetworkError', errorInfo: { url: URL, code: 'ECONNREFUSED' }, status: 0, message: `Cannot reach ${URL}: connect ECONNREFUSED 127.0.0.1:4000` });
  });

  it('says so when the URL answers with something that is not GraphQL', async () => {
    const error = await createClient({ url: URL, token: 't', fetch: answer(404, '<html>Not found</html>', 'text/html') }).myUsage().catch((e: unknown) => e);
    expect(error).toMatchObject({ errorType: 'UnknownError', errorInfo: { errorType: null, status: 404 }, message: `${URL} answered HTTP 404 (text/html), not a GraphQL response. Is it the Tollgate API's /graphql URL?` });
  });

  it('does not send a request it lacks credentials for, and says which', async () => {
    const never = async (): Promise<Response> => {
      throw new Error('sent');
    };
    await expect(createClient({ url: URL, fetch: never }).register('a@b.co', 'pw')).rejects.toMatchObject({ errorType: 'ClientError', errorInfo: { missing: 'apiKey' } });
    await expect(createClient({ url: URL, fetch: never }).myUsage()).rejects.toMatchObject({ errorType: 'ClientError', errorInfo: { missing: 'token' } });
  });

  it('gives up after timeoutMs with a NetworkError (ETIMEDOUT)', async () => {
    const hang = (_: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    await expect(createClient({ url: URL, token: 't', fetch: hang as typeof fetch, timeoutMs: 20 }).myUsage()).rejects.toMatchObject({ errorType: 'NetworkError', errorInfo: { code: 'ETIMEDOUT' } });
  });
});
