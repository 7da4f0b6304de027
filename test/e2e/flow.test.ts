// The whole API over HTTP with the generated typed client: register → login → sendPrompt →
// myUsage → myPrompts, with the original design's meaning of queries and balance. Runs against
// the emulator, or a deployed stack with its default configuration (test/helpers/target.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../client/index.ts';
import { PASSWORD, uniqueEmail } from '../helpers/emulator.ts';
import { apiTarget, type ApiTarget } from '../helpers/target.ts';

let api: ApiTarget;

beforeAll(async () => {
  api = await apiTarget();
});

afterAll(async () => {
  await api?.stop();
});

describe('a new user', () => {
  it('registers, logs in, prompts the model and sees the prompt counted and logged', async () => {
    const email = uniqueEmail('flow');
    const client = api.client();

    const registered = await client.register(`  ${email.toUpperCase()} `, PASSWORD);
    expect(registered.email).toBe(email);
    expect(registered.id).toMatch(/^[0-9a-f-]{36}$/);

    const login = await client.login(email, PASSWORD);
    expect(login.token.split('.')).toHaveLength(3);
    expect(Date.parse(login.expiresAt)).toBeGreaterThan(Date.now() + 59 * 60 * 1000);

    const answer = await client.sendPrompt('What is the capital of France?');
    if (api.devModel) {
      expect(answer.response).toContain('[tollgate dev model]');
      expect(answer.response).toContain('What is the capital of France?');
    } else {
      expect(answer.response.trim()).not.toBe('');
    }
    expect(answer).toMatchObject({ prompt: 'What is the capital of France?', model: 'us.amazon.nova-2-lite-v1:0', queries: 1, balance: 49 });
    expect(answer.usage.inputTokens).toBeGreaterThan(0);
    expect(answer.usage.outputTokens).toBeGreaterThan(0);

    const second = await client.sendPrompt('And of Italy?');
    expect(second).toMatchObject({ queries: 2, balance: 48 });
    expect(second.response).not.toBe(answer.response);

    const usage = await client.myUsage();
    const today = new Date().toISOString().slice(0, 10);
    expect(usage).toMatchObject({ day: today, queries: 2, limit: 50, balance: 48 });
    expect(usage.inputTokens).toBe(answer.usage.inputTokens + second.usage.inputTokens);
    expect(usage.outputTokens).toBe(answer.usage.outputTokens + second.usage.outputTokens);
    expect(usage.resetsAt).toBe(new Date(Date.parse(today) + 86_400_000).toISOString());

    const page = await client.myPrompts();
    expect(page.items.map((p) => p.id)).toEqual([second.id, answer.id]);
    expect(page.items[1]).toMatchObject({ prompt: 'What is the capital of France?', response: answer.response, status: 'COMPLETED', model: answer.model });
  });

  it('is refused the model without a token, with AppSync’s 401', async () => {
    const res = await fetch(api.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ myUsage { queries } }' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    expect((await res.json()) as unknown).toMatchObject({ errors: [{ errorType: 'UnauthorizedException' }] });
  });

  it('cannot use the API key for sendPrompt', async () => {
    const res = await fetch(api.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': api.apiKey },
      body: JSON.stringify({ query: 'mutation { sendPrompt(prompt: "hi") { id } }' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: unknown; errors: { errorType: string; message: string }[] };
    expect(body.data).toBeNull();
    expect(body.errors[0]).toMatchObject({ errorType: 'Unauthorized', message: 'Not Authorized to access sendPrompt on type Mutation' });
  });

  it('gets EmailTaken for a second registration and InvalidCredentials for a wrong password', async () => {
    const email = uniqueEmail('dup');
    const client = api.client();
    await client.register(email, PASSWORD);
    await expect(client.register(email.toUpperCase(), 'another password 123')).rejects.toMatchObject({ errorType: 'EmailTaken' });
    const wrong = await client.login(email, 'not the password').catch((e: unknown) => e);
    const unknown = await client.login(uniqueEmail('nobody'), PASSWORD).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(TollgateError);
    expect(wrong).toMatchObject({ errorType: 'InvalidCredentials' });
    expect(unknown).toMatchObject({ errorType: 'InvalidCredentials', message: (wrong as TollgateError).message });
  });

  it('gets ValidationError with field and reason for an empty prompt, and is not charged', async () => {
    const email = uniqueEmail('valid');
    const client = api.client();
    await client.register(email, PASSWORD);
    await client.login(email, PASSWORD);
    await expect(client.sendPrompt('   ')).rejects.toMatchObject({ errorType: 'ValidationError', errorInfo: { field: 'prompt', reason: 'empty' } });
    await expect(client.sendPrompt('hi', { model: 'no.such-model' })).rejects.toMatchObject({
      errorType: 'ValidationError',
      errorInfo: { field: 'options.model', reason: 'unknownModel' },
    });
    expect((await client.myUsage()).queries).toBe(0);
  });

  it('lists the allowed models with the default marked', async () => {
    const email = uniqueEmail('models');
    const client = api.client();
    await client.register(email, PASSWORD);
    await client.login(email, PASSWORD);
    expect(await client.models()).toEqual([
      { id: 'us.amazon.nova-2-lite-v1:0', name: 'Amazon Nova 2 Lite', default: true },
    ]);
  });
});
