// AWS_IAM over HTTP: a request signed with SigV4 by the credentials a function gets is checked
// against the secret the emulator handed out, then against the function role's template
// policy; publishPromptEvent is the model function's alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';
import { iamGraphQL, PUBLISH_PROMPT_EVENT } from '../helpers/iam.ts';

let api: TestEmulator;

beforeAll(async () => {
  api = await startTestEmulator();
});

afterAll(async () => {
  await api?.stop();
});

const event = (overrides: Record<string, unknown> = {}) => ({ promptId: 'p-1', userId: 'u-1', seq: 0, kind: 'TEXT', text: 'Hello', offset: 0, ...overrides });
const publish = (overrides: Record<string, unknown> = {}, credentials = api.functionCredentials('StreamFunction'), options: Parameters<typeof iamGraphQL>[3] = {}) =>
  iamGraphQL(api.graphqlUrl, credentials, { query: PUBLISH_PROMPT_EVENT, variables: { event: event(overrides) } }, options);

const notAuthorized = { errorType: 'Unauthorized', message: 'Not Authorized to access publishPromptEvent on type Mutation' };

describe('an IAM-signed publishPromptEvent', () => {
  it('passes the event through when the model function signs it', async () => {
    const out = await publish({ text: 'Hi there', offset: 7 });
    expect(out.status).toBe(200);
    expect(out.body.errors).toBeUndefined();
    expect(out.body.data).toEqual({
      publishPromptEvent: { ...event({ text: 'Hi there', offset: 7 }), status: null, usage: null, queries: null, balance: null, errorType: null, message: null, retryable: null, retryAfterSeconds: null },
    });
  });

  it('is refused, field by field, for a function whose role has no grant (valid signature)', async () => {
    const out = await publish({}, api.functionCredentials('AuthFunction'));
    expect(out.status).toBe(200);
    expect(out.body.data).toEqual({ publishPromptEvent: null });
    expect(out.body.errors).toEqual([expect.objectContaining(notAuthorized)]);
  });

  it('is refused to an API key and to a user token, whose modes the field does not list', async () => {
    const asKey = await fetch(api.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': api.apiKey },
      body: JSON.stringify({ query: PUBLISH_PROMPT_EVENT, variables: { event: event() } }),
    }).then((r) => r.json());
    expect(asKey).toMatchObject({ data: { publishPromptEvent: null }, errors: [notAuthorized] });

    const email = uniqueEmail('iam');
    const user = api.client();
    await user.register(email, PASSWORD);
    const { token } = await user.login(email, PASSWORD);
    const asUser = await fetch(api.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: PUBLISH_PROMPT_EVENT, variables: { event: event() } }),
    }).then((r) => r.json());
    expect(asUser).toMatchObject({ data: { publishPromptEvent: null }, errors: [notAuthorized] });
  });

  it('checks the event: a TEXT without text, a DONE without status, a negative seq', async () => {
    for (const [overrides, field] of [
      [{ text: null }, 'event.text'],
      [{ kind: 'DONE', text: null }, 'event.status'],
      [{ seq: -1 }, 'event.seq'],
      [{ kind: 'ERROR', text: null }, 'event.errorType'],
    ] as const) {
      const out = await publish(overrides);
      expect(out.body.errors).toEqual([expect.objectContaining({ errorType: 'ValidationError', errorInfo: expect.objectContaining({ field }) })]);
    }
  });
});

describe('an IAM signature', () => {
  it('that does not match gets 403 InvalidSignatureException and runs nothing', async () => {
    const out = await publish({}, undefined, {
      tamper: (headers) => {
        headers.authorization = headers.authorization!.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === 'a' ? 'b' : 'a'}`);
      },
    });
    expect(out).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    expect(out.body.errors?.[0]?.message).toMatch(/^The request signature we calculated does not match/);
  });

  it('over a body other than the one signed gets 403', async () => {
    const credentials = api.functionCredentials('StreamFunction');
    const { signPost } = await import('../helpers/iam.ts');
    const signed = await signPost(api.graphqlUrl, JSON.stringify({ query: PUBLISH_PROMPT_EVENT, variables: { event: event() } }), credentials, { 'content-type': 'application/json' });
    const { host: _host, ...headers } = signed;
    const response = await fetch(api.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query: PUBLISH_PROMPT_EVENT, variables: { event: event({ userId: 'someone-else' }) } }) });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  it('with a key the emulator never issued, or without the session token, gets 403 UnrecognizedClientException', async () => {
    const real = api.functionCredentials('StreamFunction');
    const unknown = await publish({}, { accessKeyId: 'ASIAUNKNOWNUNKNOWN12', secretAccessKey: real.secretAccessKey, sessionToken: real.sessionToken });
    expect(unknown).toMatchObject({ status: 403, errorType: 'UnrecognizedClientException', body: { errors: [{ message: 'The security token included in the request is invalid.' }] } });
    const tokenless = await publish({}, { accessKeyId: real.accessKeyId, secretAccessKey: real.secretAccessKey });
    expect(tokenless).toMatchObject({ status: 403, errorType: 'UnrecognizedClientException' });
  });

  it('made more than 5 minutes ago, or for another region, gets 403 InvalidSignatureException', async () => {
    const old = await publish({}, undefined, { signingDate: new Date(Date.now() - 6 * 60_000) });
    expect(old).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    expect(old.body.errors?.[0]?.message).toMatch(/^Signature expired/);
    const elsewhere = await publish({}, undefined, { region: 'eu-west-1' });
    expect(elsewhere).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
  });

  it('reaches only fields that list @aws_iam: myUsage is the default mode’s', async () => {
    const out = await iamGraphQL(api.graphqlUrl, api.functionCredentials('StreamFunction'), { query: '{ myUsage { queries } }' });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ data: null, errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access myUsage on type Query' }] });
  });
});
