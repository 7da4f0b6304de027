// AppSync's HTTP behaviour and Lambda-authorizer rules, checked over HTTP against the emulator
// serving the real template (APPSYNC.md §4, §5, checklist §8.23–§8.32).
import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueEmail, useEmulator, type TestEmulator } from '../helpers/emulator.ts';

let api: TestEmulator;
let token: string;

const post = (body: string | undefined, headers: Record<string, string> = {}) =>
  fetch(api.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/** A raw request, so the Host header and a lying Content-Length can be sent as an attacker would. */
function raw(options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const { port } = new URL(api.graphqlUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const authorizerLines = (word: string) => api.logs.filter((l) => l.includes('AuthorizerFunction') && l.includes(`"msg":"${word}"`)).length;

const emulator = useEmulator();

beforeAll(async () => {
  api = emulator.api;
  ({ token } = await emulator.freshUser('http'));
});

describe('malformed requests (§5.2, §8.31)', () => {
  it('an empty body is a 400 MalformedHttpRequestException', async () => {
    const res = await post('');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ message: 'Request body is empty.', errorType: 'MalformedHttpRequestException' }] });
  });

  it('a body without a query is a 400 "Unable to parse GraphQL query."', async () => {
    for (const body of ['{}', '[]', 'meow']) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ errors: [{ message: 'Unable to parse GraphQL query.', errorType: 'MalformedHttpRequestException' }] });
    }
  });

  it('a query for an unknown field is a 200 with data null and graphql-java’s message (§8.32)', async () => {
    const res = await post(JSON.stringify({ query: '{ badfield }' }), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: null,
      errors: [{ path: null, locations: [{ line: 1, column: 3, sourceName: null }], message: "Validation error of type FieldUndefined: Field 'badfield' in type 'Query' is undefined @ 'badfield'" }],
    });
  });
});

describe('the Lambda authorizer (§4)', () => {
  it('a refused token gets the fixed 401 body and x-amzn-ErrorType (§8.24)', async () => {
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    const res = await post(JSON.stringify({ query: '{ myUsage { queries } }' }), { authorization: `Bearer ${forged}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    expect(await res.json()).toEqual({ errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] });
  });

  it('a token that fails validationRegex is refused without invoking the authorizer (§8.25)', async () => {
    const before = authorizerLines('denied') + authorizerLines('authorized');
    const res = await post(JSON.stringify({ query: '{ myUsage { queries } }' }), { authorization: 'Basic dXNlcjpwYXNz' });
    expect(res.status).toBe(401);
    expect(authorizerLines('denied') + authorizerLines('authorized')).toBe(before);
  });

  it('caches a decision by the Authorization header across different queries (§8.26)', async () => {
    const fresh = uniqueEmail('cache');
    const client = api.client();
    await client.register(fresh, PASSWORD);
    const { token: t } = await client.login(fresh, PASSWORD);
    const before = authorizerLines('authorized');
    const a = await post(JSON.stringify({ query: '{ myUsage { queries } }' }), { authorization: `Bearer ${t}` });
    const b = await post(JSON.stringify({ query: '{ models { id } }' }), { authorization: `Bearer ${t}`, 'x-other': 'changes nothing' });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(authorizerLines('authorized') - before).toBe(1);
    // A bare token is a different header value: a separate cache entry.
    const c = await post(JSON.stringify({ query: '{ models { id } }' }), { authorization: t });
    expect(c.status).toBe(200);
    expect(authorizerLines('authorized') - before).toBe(2);
  });

  it('sends the raw header, request context and headers to the authorizer, and its resolverContext to resolvers (§8.23, §8.27)', async () => {
    const res = await post(JSON.stringify({ query: 'query Mine { myUsage { limit } }' }), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { myUsage: { limit: 50 } } });
  });

  it('a wrong API key is a 401 too', async () => {
    const res = await post(JSON.stringify({ query: 'mutation { login(email: "a@b.co", password: "12345678") { token } }' }), { 'x-api-key': 'da2-wrong' });
    expect(res.status).toBe(401);
  });
});

describe('observability', () => {
  it('logs one line per operation with name, status, duration and errorType, and no token', async () => {
    await post(JSON.stringify({ query: 'query Usage { myUsage { queries } }' }), { authorization: `Bearer ${token}` });
    const line = api.logs.find((l) => l.startsWith('[appsync] Usage 200'));
    expect(line).toMatch(/^\[appsync\] Usage 200 \d+\.\dms$/);
    expect(api.logs.join('\n')).not.toContain(token);
  });

  it('reports per-step timings in extensions when asked', async () => {
    const res = await post(JSON.stringify({ query: '{ myUsage { queries } }', extensions: { tollgateTimings: true } }), { authorization: `Bearer ${token}` });
    const body = (await res.json()) as { extensions: { tollgate: { steps: { field: string; step: string; ms: number }[]; authorizer: { cached: boolean } } } };
    expect(body.extensions.tollgate.steps.map((s) => s.step)).toEqual(['request', 'UsageTable', 'response']);
  });
});

describe('a body over the cap (APPSYNC.md §5.4)', () => {
  it('is refused with a 400 before it is parsed, and the connection is closed', async () => {
    const res = await post(JSON.stringify({ query: `{ myUsage { queries } } # ${'x'.repeat(1024 * 1024)}` }), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(400);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toEqual({ errors: [{ message: 'Request body is too large (over 1048576 bytes).', errorType: 'MalformedHttpRequestException' }] });
  });

  it('is refused unread when its Content-Length says so', async () => {
    // Only a few bytes follow: an emulator that waited for the rest would never answer.
    const res = await raw({ method: 'POST', path: '/graphql', headers: { host: 'localhost', 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) }, body: '{"query":' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ errors: [{ errorType: 'MalformedHttpRequestException' }] });
  });
});

describe('browsers and host names', () => {
  it('refuses a Host name it does not know, the web page and its API key included (DNS rebinding)', async () => {
    for (const path of ['/', '/graphql', '/health']) {
      const res = await raw({ path, headers: { host: 'rebind.attacker.example:4000' } });
      expect(res.status, path).toBe(403);
      expect(res.text).not.toContain(api.apiKey);
      expect(JSON.parse(res.text)).toMatchObject({ errors: [{ errorType: 'ForbiddenException', message: expect.stringContaining('TOLLGATE_ALLOWED_HOSTS') }] });
    }
    const page = await raw({ path: '/', headers: { host: `localhost:${new URL(api.graphqlUrl).port}` } });
    expect(page.status).toBe(200);
    expect(page.text).toContain(api.apiKey);
  });

  it('lets no other origin frame or embed the web page, and lets the page connect only to its own origin', async () => {
    const page = await fetch(api.url + '/');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    const origin = new URL(api.url).origin;
    expect(csp).toContain(`connect-src 'self' ${origin} ${origin.replace('http:', 'ws:')};`);
    expect(csp).toContain("script-src 'self';");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    // The app's files carry no key and are as private to the origin as the page.
    const script = /src="(\/assets\/main-[^"]+\.js)"/.exec(await page.text())?.[1];
    const asset = await fetch(api.url + script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(await asset.text()).not.toContain(api.apiKey);
  });

  it('gives no CORS grant to an origin nobody allowed, preflight or not', async () => {
    const preflight = await fetch(api.graphqlUrl, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const res = await post(JSON.stringify({ query: '{ myUsage { queries } }' }), { authorization: `Bearer ${token}`, origin: 'https://evil.example' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
