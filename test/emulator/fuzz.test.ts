// Arbitrary input at every argument of every operation, through the real pipeline: strings of any
// Unicode (lone surrogates, NUL, zero-width, 3,000 characters), numbers at the edges of their
// types. Whatever comes in, the answer is a 200 with data or an error from the vocabulary — never
// InternalError, a runtime error or a 5xx — and refused input charges nothing.
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClientOf, PASSWORD, startTestEmulator, uniqueEmail, type TestEmulator } from '../helpers/emulator.ts';
import { fetchFrom, nextLoopbackAddress } from '../helpers/loopback.ts';

let api: TestEmulator;
let db: DynamoDBDocumentClient;
let token: string;
let userId: string;

const VOCABULARY = new Set(['ValidationError', 'EmailTaken', 'InvalidCredentials', 'TooManyAttempts', 'RateLimited', 'QuotaExceeded', 'ModelError', 'NotFound', 'Unauthorized']);

interface Answer {
  status: number;
  errors: { errorType?: string | null; message: string }[];
}

async function call(query: string, variables: Record<string, unknown>, auth: 'key' | 'token', from = nextLoopbackAddress()): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(auth === 'key' ? { 'x-api-key': api.apiKey } : { authorization: `Bearer ${token}` }) };
  const res = await fetchFrom(from)(api.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { errors?: Answer['errors'] };
  return { status: res.status, errors: body.errors ?? [] };
}

function expectVocabulary(answer: Answer, input: unknown): void {
  expect(answer.status, JSON.stringify(input)).toBe(200);
  for (const error of answer.errors) expect(VOCABULARY.has(error.errorType ?? ''), `${error.errorType}: ${error.message} for ${JSON.stringify(input)}`).toBe(true);
}

const today = () => new Date(api.clock.now()).toISOString().slice(0, 10);
const usage = async () => (await db.send(new GetCommand({ TableName: api.tableName('UsageTable'), Key: { userId, day: today() }, ConsistentRead: true }))).Item ?? {};

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n));
/** Any text: any code point, lone surrogates, controls, invisible characters, very long, or a near miss of a valid value. */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 3 }), loneSurrogate, fc.constantFrom('\u0000', '\u200b', '\u202e', '\ufeff', '\u3164', '\n', '\t', ' ')), { maxLength: 20 }).map((xs) => xs.join('')) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '   ', '\u0000', '\u200b', '\ud800', 'x'.repeat(3000), '漢'.repeat(4001), '01J00000000000000000000000', '01j00000000000000000000000', 'null', '{"a":1}', "'; DROP TABLE users; --") },
  { weight: 1, arbitrary: fc.emailAddress() },
);
const int = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, 1, -1, 100, 101, 1024, 1025, 2 ** 31 - 1, -(2 ** 31)));
const float = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1, 1.0000001, -1e-300, 1e308));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

beforeAll(async () => {
  api = await startTestEmulator();
  db = documentClientOf(api);
  const email = uniqueEmail('fuzz');
  const client = api.client();
  userId = (await client.register(email, PASSWORD)).id;
  // Limits out of the way, so valid prompts keep reaching the model.
  await db.send(
    new UpdateCommand({
      TableName: api.tableName('UsersTable'),
      Key: { email },
      UpdateExpression: 'SET dailyPromptLimit = :big, promptsPerMinute = :big, promptsInFlight = :big',
      ExpressionAttributeValues: { ':big': 1_000_000 },
    }),
  );
  token = (await client.login(email, PASSWORD)).token;
});

afterAll(async () => {
  db?.destroy();
  await api?.stop();
});

describe('arbitrary input', () => {
  it('to register and login is answered from the vocabulary', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, fc.boolean(), async (email, password, login) => {
        const answer = login
          ? await call('mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }', { email, password }, 'key')
          : await call('mutation($email: String!, $password: String!) { register(email: $email, password: $password) { id } }', { email, password }, 'key');
        expectVocabulary(answer, { login, email, password });
      }),
      // The cases the review found, first: each once crashed the auth function.
      { numRuns: 40, examples: [['', PASSWORD, true], ['   ', PASSWORD, true], ['a'.repeat(3000) + '@example.com', PASSWORD, true], ['al\u200bice@example.com', PASSWORD, false]] },
    );
  });

  it('to sendPrompt is answered from the vocabulary and charges only what it answers', async () => {
    const options = maybe(fc.record({ model: maybe(text), maxTokens: maybe(int), temperature: maybe(float) }, { requiredKeys: [] }));
    await fc.assert(
      fc.asyncProperty(text, options, maybe(text), async (prompt, opts, idempotencyKey) => {
        const before = await usage();
        const answer = await call(
          'mutation($prompt: String!, $options: PromptOptions, $key: String) { sendPrompt(prompt: $prompt, options: $options, idempotencyKey: $key) { id } }',
          { prompt, options: opts, key: idempotencyKey },
          'token',
        );
        expectVocabulary(answer, { prompt, opts, idempotencyKey });
        const after = await usage();
        if (answer.errors.length > 0) expect(after.queries ?? 0, JSON.stringify({ prompt, opts, idempotencyKey })).toBe(before.queries ?? 0);
      }),
      { numRuns: 80, examples: [['\u0000\u0000', null, null], ['\u200b\u200c', null, null], ['\ud800', null, null], ['hi', { maxTokens: 2 ** 31 - 1, temperature: 1e308, model: '' }, '']] },
    );
  });

  it('to deletePrompt and myPrompts is answered from the vocabulary', async () => {
    await fc.assert(
      fc.asyncProperty(text, maybe(int), maybe(text), async (id, limit, nextToken) => {
        expectVocabulary(await call('mutation($id: ID!) { deletePrompt(id: $id) }', { id }, 'token'), { id });
        expectVocabulary(await call('query($limit: Int, $next: String) { myPrompts(limit: $limit, nextToken: $next) { items { id status } nextToken } }', { limit, next: nextToken }, 'token'), {
          limit,
          nextToken,
        });
      }),
      // The cases the review found, first: each once reached DynamoDB.
      { numRuns: 60, examples: [['', null, ''], ['x'.repeat(1025), 100, 'eyJ0YW1wZXJlZCI6dHJ1ZX0='], ['01J00000000000000000000000', 0, '01J0000000000000000000000Z']] },
    );
  });

  it('to the conversation operations is answered from the vocabulary, and a prompt into a bad conversation charges nothing', async () => {
    const conversations = ['01J00000000000000000000000', 'c'.repeat(2000), '01J0000000000000000000000Z#x'];
    await fc.assert(
      fc.asyncProperty(text, text, maybe(int), maybe(text), async (id, title, limit, nextToken) => {
        const input = { id, title, limit, nextToken };
        expectVocabulary(await call('query($id: ID!) { conversation(id: $id) { id title } }', { id }, 'token'), input);
        expectVocabulary(await call('query($id: ID!, $limit: Int, $next: String) { conversationTurns(conversationId: $id, limit: $limit, nextToken: $next) { items { id seq } nextToken } }', { id, limit, next: nextToken }, 'token'), input);
        expectVocabulary(await call('query($limit: Int, $next: String) { myConversations(limit: $limit, nextToken: $next) { items { id } nextToken } }', { limit, next: nextToken }, 'token'), input);
        expectVocabulary(await call('mutation($id: ID!, $title: String!) { renameConversation(id: $id, title: $title) { id } }', { id, title }, 'token'), input);
        expectVocabulary(await call('mutation($id: ID!) { deleteConversation(id: $id) }', { id }, 'token'), input);
        const before = await usage();
        const answer = await call('mutation($id: ID) { sendPrompt(prompt: "hello", conversationId: $id) { id } }', { id }, 'token');
        expectVocabulary(answer, input);
        if (answer.errors.length > 0) expect((await usage()).queries ?? 0).toBe(before.queries ?? 0);
      }),
      { numRuns: 40, examples: conversations.map((id) => [id, '\u0000', 0, '2026-11-30T00:00:00.000Z#01J00000000000000000000000'] as [string, string, number, string]) },
    );
  });

  it('left no InternalError in the logs', () => {
    expect(api.logs.filter((l) => l.includes('"errorType":"InternalError"') || l.includes('InternalFailure'))).toEqual([]);
  });
});
