// The request authorizer against a recording Lambda: the event AppSync sends (§4.1, §8.23),
// caching by header with the template TTL and ttlOverride (§4.3, §8.26), regex before invoking.
import { describe, expect, it } from 'vitest';
import { RequestAuthorizer, type AuthorizerResponse } from '../../emulator/appsync/auth.ts';
import { AUTH_CHOICES } from '../../emulator/appsync/choices.ts';

function authorizer(answer: AuthorizerResponse, ttlSeconds = 300) {
  const events: Record<string, unknown>[] = [];
  let now = 1_000_000;
  const auth = new RequestAuthorizer({
    apiId: 'local',
    defaultMode: 'AWS_LAMBDA',
    additionalModes: ['API_KEY'],
    apiKey: 'da2-key',
    lambda: { ttlSeconds, validationRegex: '^(Bearer )?[a-z.]+$' },
    invokeAuthorizer: async (event) => {
      events.push(event as Record<string, unknown>);
      return { ok: true, payload: answer };
    },
    now: () => now,
    warn: () => undefined,
  });
  return { auth, events, advance: (ms: number) => (now += ms) };
}

const request = { query: 'query Mine { myUsage { queries } }\nquery Other { models { id } }', operationName: 'Mine', variables: { a: 1 } };

describe('the Lambda authorizer event', () => {
  it('carries the raw Authorization header, the request context and the request headers (§8.23)', async () => {
    const { auth, events } = authorizer({ isAuthorized: true, resolverContext: { userId: 'u1' } });
    const caller = await auth.authorize({ authorization: 'Bearer abc.def', 'x-custom': 'yes' }, request);
    expect(caller).toMatchObject({ mode: 'AWS_LAMBDA', identity: { resolverContext: { userId: 'u1' } } });
    expect(events[0]).toEqual({
      authorizationToken: 'Bearer abc.def',
      requestContext: { apiId: 'local', accountId: '000000000000', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), queryString: request.query, operationName: 'Mine', variables: { a: 1 } },
      requestHeaders: { authorization: 'Bearer abc.def', 'x-custom': 'yes' },
    });
  });

  it('is cached per header value for the template’s TTL, across queries (§8.26)', async () => {
    const { auth, events, advance } = authorizer({ isAuthorized: true }, 300);
    await auth.authorize({ authorization: 'Bearer abc' }, request);
    await auth.authorize({ authorization: 'Bearer abc', other: 'x' }, { ...request, operationName: 'Other' });
    expect(events).toHaveLength(1);
    advance(301_000);
    await auth.authorize({ authorization: 'Bearer abc' }, request);
    expect(events).toHaveLength(2);
  });

  it('is not cached when the authorizer answers ttlOverride 0, and refusals get the fixed 401', async () => {
    const { auth, events } = authorizer({ isAuthorized: false, ttlOverride: 0 });
    for (let i = 0; i < 3; i += 1) {
      expect(await auth.authorize({ authorization: 'Bearer abc' }, request)).toEqual({
        status: 401,
        body: { errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] },
      });
    }
    expect(events).toHaveLength(3);
  });

  it('is never invoked for a header that fails validationRegex, or for a missing header (§8.25)', async () => {
    const { auth, events } = authorizer({ isAuthorized: true });
    expect(await auth.authorize({ authorization: 'Basic Zm9vOmJhcg==' }, request)).toMatchObject({ status: 401 });
    expect(await auth.authorize({}, request)).toMatchObject({ status: 401, body: { errors: [{ message: 'Valid authorization header not provided.' }] } });
    expect(events).toHaveLength(0);
  });

  it('passes deniedFields on, dropping wildcards and bare types (§4.2)', async () => {
    const { auth } = authorizer({ isAuthorized: true, deniedFields: ['Usage.limit', 'Usage.*', 'Usage', 'arn:aws:appsync:us-east-1:1:apis/x/types/Query/fields/models'] });
    const caller = await auth.authorize({ authorization: 'Bearer abc' }, request);
    expect('deniedFields' in caller && [...caller.deniedFields]).toEqual(['Usage.limit', 'Query.models']);
  });

  it('treats an authorizer that runs past its time limit as a denial (§4.5, §4.6)', async () => {
    const saved = AUTH_CHOICES.authorizerTimeoutMs;
    AUTH_CHOICES.authorizerTimeoutMs = 50;
    try {
      const slow = new RequestAuthorizer({
        apiId: 'local',
        defaultMode: 'AWS_LAMBDA',
        additionalModes: [],
        apiKey: 'k',
        lambda: { ttlSeconds: 300, validationRegex: null },
        invokeAuthorizer: () => new Promise((resolve) => setTimeout(() => resolve({ ok: true, payload: { isAuthorized: true } }), 500)),
        now: () => 0,
        warn: () => undefined,
      });
      expect(await slow.authorize({ authorization: 'Bearer abc' }, request)).toMatchObject({ status: 401 });
    } finally {
      AUTH_CHOICES.authorizerTimeoutMs = saved;
    }
  });
});
