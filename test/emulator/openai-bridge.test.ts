// TOLLGATE_LOCAL_MODEL_URL: real answers offline from an OpenAI-compatible server, through the
// whole pipeline (the Lambda still calls Bedrock's Converse API; the local endpoint bridges).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localModelWarning } from '../../emulator/settings.ts';
import { freePort, PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';

interface Seen {
  path: string;
  body: { model: string; messages: { role: string; content: string }[]; max_tokens: number; temperature?: number };
}

let upstream: Server;
let api: TestEmulator;
const seen: Seen[] = [];
let failNext = 0;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', body: JSON.parse(raw) as Seen['body'] });
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(500).end('{"error":"boom"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 2 } }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  api = await startTestEmulator({ localModel: { url, model: 'llama3.2' } });
});

afterAll(async () => {
  await api?.stop();
  await new Promise<void>((r) => upstream.close(() => r()));
});

describe('the OpenAI-compatible bridge', () => {
  it('answers prompts with the local model, with its token counts', async () => {
    const client = api.client();
    const email = uniqueEmail('bridge');
    await client.register(email, PASSWORD);
    await client.login(email, PASSWORD);
    const answer = await client.sendPrompt('Capital of France?', { maxTokens: 50, temperature: 0.2 });
    expect(answer).toMatchObject({ response: 'Paris.', usage: { inputTokens: 12, outputTokens: 2 }, queries: 1 });
    expect(seen.at(-1)).toEqual({
      path: '/v1/chat/completions',
      body: { model: 'llama3.2', messages: [{ role: 'user', content: 'Capital of France?' }], max_tokens: 50, temperature: 0.2, stream: false },
    });
  });

  it('forwards a conversation’s earlier turns as chat messages, in order', async () => {
    const client = api.client();
    const email = uniqueEmail('bridge-chat');
    await client.register(email, PASSWORD);
    await client.login(email, PASSWORD);
    const first = await client.sendPrompt('Capital of France?');
    await client.sendPrompt('And of Spain?', undefined, undefined, first.conversationId);
    expect(seen.at(-1)!.body.messages).toEqual([
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'And of Spain?' },
    ]);
  });

  it('turns a failing local server into a refunded ModelError', async () => {
    const client = api.client();
    const email = uniqueEmail('bridge-fail');
    await client.register(email, PASSWORD);
    await client.login(email, PASSWORD);
    failNext = 10; // the SDK retries a 500 before giving up
    await expect(client.sendPrompt('hello')).rejects.toMatchObject({ errorType: 'ModelError', errorInfo: { retryable: true } });
    failNext = 0;
    expect((await client.myUsage()).queries).toBe(0);
  });
});

describe('TOLLGATE_LOCAL_MODEL_URL at start', () => {
  it('warns when nothing answers there, and how to fix it', async () => {
    const url = `http://127.0.0.1:${await freePort()}/v1`;
    expect(await localModelWarning(url)).toBe(
      `TOLLGATE_LOCAL_MODEL_URL ${url} does not answer (ECONNREFUSED). Prompts will fail with ModelError until it does: start the model server (for Ollama: ollama serve), or unset TOLLGATE_LOCAL_MODEL_URL to use the dev model.`,
    );
    expect(await localModelWarning('localhost:11434')).toMatch(/^TOLLGATE_LOCAL_MODEL_URL is not a URL/);
  });

  it('says nothing when a server answers, whatever the status', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      expect(await localModelWarning(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`)).toBeNull();
    } finally {
      server.close();
    }
  });
});
