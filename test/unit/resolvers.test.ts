// Resolver unit tests the way AWS recommends them: each handler of the code that deploys, run
// through EvaluateCode (offline: tollgate/evaluate-code) with a context, no data source involved.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateCode, type EvaluateCodeOutput } from 'tollgate/evaluate-code';
import { resolverCode, ROOT } from '../../infra/bundle.ts';

const NOW = Date.parse('2026-11-30T10:15:30Z');
const ENV = {
  MAX_PROMPT_CHARS: '100',
  MAX_OUTPUT_TOKENS: '500',
  MODELS: 'model-a=Model A,model-b',
  DEFAULT_MODEL: 'model-a',
  PROMPT_RETENTION_DAYS: '30',
  DAILY_PROMPT_LIMIT: '50',
  DAILY_TOKEN_LIMIT: '10000',
  PROMPTS_PER_MINUTE: '10',
  PROMPTS_IN_FLIGHT: '3',
  CONTEXT_BUDGETS: 'model-a=2000,model-b=500',
  SYSTEM_PROMPT_BYTES: '0',
  STREAM_MAX_OUTPUT_TOKENS: '2000',
  STREAM_TIMEOUT_SECONDS: '130',
};
const IDENTITY = { resolverContext: { userId: 'u1', tokenVersion: '0' } };

const code: Record<string, string> = {};
const resolver = (file: string) => (code[file] ??= resolverCode(join(ROOT, 'resolvers', file)));

async function evaluate(file: string, fn: 'request' | 'response', context: Record<string, unknown>): Promise<EvaluateCodeOutput & { result: unknown; stashed: Record<string, unknown> }> {
  const out = await evaluateCode({ code: resolver(file), context: JSON.stringify({ env: ENV, identity: IDENTITY, ...context }), function: fn, now: () => NOW });
  return { ...out, result: out.evaluationResult === undefined ? undefined : JSON.parse(out.evaluationResult), stashed: JSON.parse(out.stash ?? '{}') as Record<string, unknown> };
}

beforeAll(async () => {
  // The first evaluation of a file builds the lint program (seconds on a busy machine).
  await evaluate('Query.myUsage.ts', 'request', {});
}, 60_000);

describe('Mutation.sendPrompt’s before step (validation)', () => {
  const file = 'Mutation.sendPrompt/index.ts';

  it('stashes the admitted input: the default model, maxTokens plus the prompt’s UTF-8 bytes and the template allowance as the reservation, today’s clock and a lease until the request’s deadline', async () => {
    const out = await evaluate(file, 'request', { arguments: { prompt: 'Hello!' } });
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({});
    expect(out.stashed.input).toMatchObject({
      userId: 'u1',
      prompt: 'Hello!',
      model: 'model-a',
      maxTokens: 500,
      // 6 UTF-8 bytes + 256 tokens for the Converse template + maxTokens (resolvers/lib/budget.ts)
      reserve: 762,
      createdAt: '2026-11-30T10:15:30.000Z',
      clock: { day: '2026-11-30', resetsAt: '2026-12-01T00:00:00.000Z', minuteAttr: 'm1015', secondsLeftInMinute: 30 },
      limits: { dailyPromptLimit: 50, dailyTokenLimit: 10000, promptsPerMinute: 10, promptsInFlight: 3 },
      idempotencyKey: null,
    });
    const input = out.stashed.input as { id: string; lease: string; conversationId: string };
    // The lease carries what the reconciler needs if the request dies (deadline, id, reservation,
    // maxTokens, model) and the conversation with the turns sent (none yet: readContext counts them),
    // which a streamed restart by the same idempotency key answers with.
    expect(input.lease).toBe(`${NOW + 30_000}:${input.id}:762:500:c=${input.conversationId}/0:model-a`);
  });

  it.each([
    [{ prompt: '   ' }, 'The prompt is empty.'],
    [{ prompt: 'x'.repeat(101) }, 'The prompt has 101 characters; at most 100 are allowed.'],
    [{ prompt: 'hi', options: { model: 'model-c' } }, 'The model "model-c" is not available. Query models to see the ones you may use.'],
    [{ prompt: 'hi', options: { maxTokens: 501 } }, 'maxTokens must be from 1 to 500. Received: 501'],
    [{ prompt: 'hi', options: { temperature: 1.5 } }, 'temperature must be from 0 to 1. Received: 1.5'],
    [{ prompt: 'hi', idempotencyKey: '' }, 'idempotencyKey must have 1 to 128 characters.'],
  ])('refuses %j with util.error: %s', async (args, message) => {
    const out = await evaluate(file, 'request', { arguments: args });
    expect(out.error).toEqual({ message });
    expect(out.stashed).toEqual({});
  });

  it('answers Unauthorized to a caller without the authorizer’s resolverContext', async () => {
    const out = await evaluate(file, 'request', { arguments: { prompt: 'hi' }, identity: null });
    expect(out.error).toEqual({ message: 'Unauthorized' });
  });

  it('gives startPrompt the stream’s output cap, a lease as long as the event may wait and the function run, and its chosen id as the idempotency key', async () => {
    const promptId = '01KB0000000000000000000000';
    const out = await evaluate('Mutation.startPrompt/index.ts', 'request', { arguments: { prompt: 'Hello!', promptId, idempotencyKey: 'ignored' }, info: { fieldName: 'startPrompt', parentTypeName: 'Mutation' } });
    expect(out.error).toBeUndefined();
    expect(out.stashed.input).toMatchObject({ id: promptId, idempotencyKey: promptId, maxTokens: 2000, streamed: true });
    // 60 s of event age + the function's 130 s + 5 s to settle (resolvers/lib/prompt.ts streamLeaseMs).
    // Its lease names its conversation (a new one here) and the turns sent with it, as a blocking one's does.
    const started = out.stashed.input as { lease: string; conversationId: string; newConversation: boolean };
    expect(started.newConversation).toBe(true);
    expect(started.lease).toBe(`${NOW + 195_000}:${promptId}:2262:2000:c=${started.conversationId}/0:model-a`);
    const bad = await evaluate('Mutation.startPrompt/index.ts', 'request', { arguments: { prompt: 'Hello!', promptId: 'not-a-ulid' }, info: { fieldName: 'startPrompt', parentTypeName: 'Mutation' } });
    expect(bad.error).toEqual({ message: 'promptId must be a ULID (26 characters of Crockford base32), or left out.' });
  });
});

describe('Mutation.sendPrompt 3.reserveQuota', () => {
  const file = 'Mutation.sendPrompt/3.reserveQuota.ts';
  const input = (overrides: Record<string, unknown> = {}) => ({
    id: 'p1',
    userId: 'u1',
    reserve: 762,
    idempotencyKey: null,
    lease: `${NOW + 30_000}:p1`,
    clock: { day: '2026-11-30', minuteAttr: 'm1015', usageExpiresAt: 1796169600 },
    limits: { dailyPromptLimit: 50, dailyTokenLimit: 10000, promptsPerMinute: 10, promptsInFlight: 3 },
    ...overrides,
  });

  it('charges the day, the minute, the reservation and an in-flight lease in one conditional UpdateItem', async () => {
    const out = await evaluate(file, 'request', { stash: { input: input() } });
    expect(out.result).toMatchObject({
      operation: 'UpdateItem',
      key: { userId: { S: 'u1' }, day: { S: '2026-11-30' } },
      update: { expression: expect.stringMatching(/ ADD leases :lease$/), expressionValues: { ':lease': { SS: [`${NOW + 30_000}:p1`] } } },
      condition: {
        expression:
          '(attribute_not_exists(queries) OR queries < :dailyLimit) AND (attribute_not_exists(tokens) OR tokens <= :headroom) AND ' +
          '(attribute_not_exists(#minute) OR #minute < :perMinute) AND (attribute_not_exists(leases) OR size(leases) < :inFlight)',
        expressionNames: { '#minute': 'm1015' },
        expressionValues: { ':dailyLimit': { N: 50 }, ':headroom': { N: 9238 }, ':perMinute': { N: 10 }, ':inFlight': { N: 3 } },
      },
    });
  });

  it('claims the idempotency key in the same write', async () => {
    const out = await evaluate(file, 'request', { stash: { input: input({ idempotencyKey: 'k1' }) } });
    expect(out.result).toMatchObject({ update: { expressionNames: { '#idem': 'idem:k1' } }, condition: { expression: expect.stringContaining('attribute_not_exists(#idem)') } });
  });

  it('can never admit a prompt whose reservation alone is over the day’s budget', async () => {
    const out = await evaluate(file, 'request', { stash: { input: input({ reserve: 10001 }) } });
    expect(out.result).toMatchObject({ condition: { expression: 'attribute_not_exists(userId) AND attribute_exists(userId)' } });
  });

  it('leaves a failed condition for the later steps to explain instead of failing, and marks success as admitted', async () => {
    const refused = await evaluate(file, 'response', {
      stash: { input: input() },
      error: { type: 'DynamoDB:ConditionalCheckFailedException', message: 'The conditional request failed' },
    });
    expect(refused.error).toBeUndefined();
    expect(refused.result).toBeNull();
    expect(refused.stashed.admitted).toBeUndefined();
    const admitted = await evaluate(file, 'response', { stash: { input: input() }, result: { queries: 4 } });
    expect(admitted.stashed).toMatchObject({ admitted: true, queries: 4 });
  });

  it('leaves a retryable failure (throttled, or a 500 whose write may have landed) to readUsage, which looks for its lease', async () => {
    const out = await evaluate(file, 'response', { stash: { input: input() }, error: { type: 'DynamoDB:ProvisionedThroughputExceededException', message: 'slow down' } });
    expect(out.error).toBeUndefined();
    expect(out.stashed).toMatchObject({ uncertain: true });
    expect(out.stashed.admitted).toBeUndefined();
  });

  it('turns any other data-source error into InternalError, logging the cause', async () => {
    const out = await evaluate(file, 'response', { stash: { input: input() }, error: { type: 'DynamoDB:ValidationException', message: 'bad' } });
    expect(out.error?.message).toMatch(/^Something went wrong on our side\. Reference: [0-9a-f-]{36}$/);
    expect(JSON.parse(out.logs[0]!)).toMatchObject({ level: 'error', where: 'reserveQuota', causeType: 'DynamoDB:ValidationException' });
  });
});

describe('Query.myUsage', () => {
  it('reads today’s usage item with a consistent read', async () => {
    const out = await evaluate('Query.myUsage.ts', 'request', {});
    expect(out.result).toEqual({ operation: 'GetItem', key: { userId: { S: 'u1' }, day: { S: '2026-11-30' } }, consistentRead: true });
  });

  it('reports zero use for a day without an item, and the balance left otherwise', async () => {
    const stash = { clock: { day: '2026-11-30', resetsAt: '2026-12-01T00:00:00.000Z' }, limits: { dailyPromptLimit: 50, dailyTokenLimit: 10000, promptsPerMinute: 10 } };
    const empty = await evaluate('Query.myUsage.ts', 'response', { stash, result: null });
    expect(empty.result).toEqual({ day: '2026-11-30', queries: 0, limit: 50, balance: 50, resetsAt: '2026-12-01T00:00:00.000Z', inputTokens: 0, outputTokens: 0, tokenLimit: 10000 });
    const used = await evaluate('Query.myUsage.ts', 'response', { stash, result: { queries: 52, inputTokens: 7, outputTokens: 9 } });
    expect(used.result).toMatchObject({ queries: 52, balance: 0, inputTokens: 7, outputTokens: 9 });
  });
});

describe('Mutation.sendPrompt’s before step (validation), for conversations', () => {
  const file = 'Mutation.sendPrompt/index.ts';

  it('starts a new conversation without an id, and reserves the system prompt as one more message', async () => {
    const out = await evaluate(file, 'request', { arguments: { prompt: 'Hello!' }, env: { ...ENV, SYSTEM_PROMPT_BYTES: '40' } });
    const input = out.stashed.input as { conversationId: string; newConversation: boolean; reserve: number; baseInput: number; inputBudget: number };
    expect(input.conversationId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    // 6 bytes + 256 + (40 + 16 for the system message) + 500
    expect(input).toMatchObject({ baseInput: 318, reserve: 818, inputBudget: 2000 });
    expect(input.newConversation).toBe(true);
  });

  it('refuses a prompt that cannot fit the model’s context budget even alone, and names no conversation it cannot own', async () => {
    const tooBig = await evaluate(file, 'request', { arguments: { prompt: 'x'.repeat(100), options: { model: 'model-b', maxTokens: 10 } }, env: { ...ENV, SYSTEM_PROMPT_BYTES: '200' } });
    expect(tooBig.error?.message).toMatch(/^This prompt needs up to 582 tokens .* no prompt may need more than 510: the model's context budget allows no more/);
    const bad = await evaluate(file, 'request', { arguments: { prompt: 'hi', conversationId: 'not-an-id' } });
    expect(bad.error).toEqual({ message: 'No conversation with that id belongs to you.' });
  });
});

describe('Mutation.sendPrompt 1.checkAccess', () => {
  const file = 'Mutation.sendPrompt/1.checkAccess.ts';
  const tables = { USERS_TABLE: 'users-t', CONVERSATIONS_TABLE: 'conversations-t' };
  const input = (newConversation: boolean) => ({ userId: 'u1', email: 'a@example.com', tokenVersion: '0', conversationId: 'c1', newConversation });
  const user = { userId: 'u1', email: 'a@example.com', tokenVersion: 0 };
  const read = (account: unknown, conversation: unknown) => ({ items: [account, conversation], cancellationReasons: null });

  it('reads only the account, consistently, for a prompt that starts a conversation', async () => {
    const out = await evaluate(file, 'request', { env: { ...ENV, ...tables }, stash: { input: input(true) } });
    expect(out.result).toEqual({ operation: 'GetItem', key: { email: { S: 'a@example.com' } }, consistentRead: true });
    expect((await evaluate(file, 'response', { env: { ...ENV, ...tables }, stash: { input: input(true) }, result: user })).error).toBeUndefined();
    expect((await evaluate(file, 'response', { env: { ...ENV, ...tables }, stash: { input: input(true) }, result: { ...user, tokenVersion: 1 } })).error?.message).toMatch(/^Unauthorized/);
  });

  it('reads the account and the caller’s own conversation header in one TransactGetItems, and refuses a missing or deleted one as NotFound', async () => {
    const env = { ...ENV, ...tables };
    const out = await evaluate(file, 'request', { env, stash: { input: input(false) } });
    expect(out.result).toEqual({
      operation: 'TransactGetItems',
      transactItems: [
        { table: 'users-t', key: { email: { S: 'a@example.com' } } },
        { table: 'conversations-t', key: { userId: { S: 'u1' }, id: { S: 'c1' } } },
      ],
    });
    const ok = await evaluate(file, 'response', { env, stash: { input: input(false) }, result: read(user, { userId: 'u1', id: 'c1', turns: 2 }) });
    expect(ok.error).toBeUndefined();
    const notFound = 'No conversation with that id belongs to you.';
    expect((await evaluate(file, 'response', { env, stash: { input: input(false) }, result: read(user, null) })).error?.message).toBe(notFound);
    expect((await evaluate(file, 'response', { env, stash: { input: input(false) }, result: read(user, { userId: 'u1', id: 'c1', deleted: true }) })).error?.message).toBe(notFound);
    // A revoked token is Unauthorized whatever the conversation.
    expect((await evaluate(file, 'response', { env, stash: { input: input(false) }, result: read({ ...user, disabled: true }, null) })).error?.message).toMatch(/^Unauthorized/);
    // A read cancelled by a write in flight on either item is the client's to retry, before anything is charged.
    const cancelled = await evaluate(file, 'response', { env, stash: { input: input(false) }, error: { type: 'DynamoDB:TransactionCanceledException', message: 'Transaction cancelled' } });
    expect(cancelled.error?.message).toMatch(/busy right now/);
  });
});

describe('Mutation.startPrompt 1.claimAccess', () => {
  const file = 'Mutation.startPrompt/1.claimAccess.ts';
  const env = { ...ENV, USERS_TABLE: 'users-t', PROMPTS_TABLE: 'prompts-t', CONVERSATIONS_TABLE: 'conversations-t' };
  const input = (newConversation: boolean, tokenVersion = '3') => ({
    id: '01KB0000000000000000000000',
    userId: 'u1',
    email: 'a@example.com',
    tokenVersion,
    prompt: 'Hi',
    model: 'model-a',
    createdAt: '2026-11-30T10:15:30.000Z',
    expiresAt: 1797,
    conversationId: 'c1',
    newConversation,
  });
  const cancelled = (...types: string[]) => ({
    error: { type: 'DynamoDB:TransactionCanceledException', message: 'Transaction cancelled' },
    result: { cancellationReasons: types.map((type) => ({ type, message: type === 'None' ? null : 'The conditional request failed' })) },
  });

  it('checks the account as checkAccess does and claims the id in one TransactWriteItems, the conversation header too when one is named', async () => {
    const alone = await evaluate(file, 'request', { env, stash: { input: input(true) } });
    const items = (alone.result as { transactItems: { table: string; operation: string; key: unknown; condition: { expression: string; expressionValues: unknown } }[] }).transactItems;
    expect(alone.result).toMatchObject({ operation: 'TransactWriteItems' });
    expect(items.map((i) => `${i.operation}@${i.table}`)).toEqual(['ConditionCheck@users-t', 'UpdateItem@prompts-t']);
    expect(items[0]).toMatchObject({
      key: { email: { S: 'a@example.com' } },
      condition: {
        expression: 'userId = :userId AND tokenVersion = :tokenVersion AND (attribute_not_exists(disabled) OR disabled <> :disabled)',
        // The account item keeps tokenVersion as a number and disabled as a boolean.
        expressionValues: { ':userId': { S: 'u1' }, ':tokenVersion': { N: 3 }, ':disabled': { BOOL: true } },
      },
    });
    expect(items[1]).toMatchObject({ key: { userId: { S: '#01KB0000000000000000000000' }, id: { S: '#claim' } }, condition: { expression: 'attribute_not_exists(#owner) OR #owner = :owner' } });
    const named = await evaluate(file, 'request', { env, stash: { input: input(false) } });
    const third = (named.result as { transactItems: unknown[] }).transactItems[2];
    expect(third).toMatchObject({ table: 'conversations-t', operation: 'ConditionCheck', key: { userId: { S: 'u1' }, id: { S: 'c1' } } });
  });

  it('maps the cancellation reasons: the account to Unauthorized, the conversation to NotFound, the claim to promptId taken, a conflict to RateLimited', async () => {
    const answer = async (outcome: Record<string, unknown>) => (await evaluate(file, 'response', { env, stash: { input: input(false) }, ...outcome })).error?.message;
    expect((await evaluate(file, 'response', { env, stash: { input: input(false) }, result: { keys: [] } })).error).toBeUndefined();
    expect(await answer(cancelled('ConditionalCheckFailed', 'None', 'None'))).toMatch(/^Unauthorized/);
    // The account first, as sendPrompt checks it first.
    expect(await answer(cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed', 'ConditionalCheckFailed'))).toMatch(/^Unauthorized/);
    expect(await answer(cancelled('None', 'ConditionalCheckFailed', 'ConditionalCheckFailed'))).toBe('No conversation with that id belongs to you.');
    expect(await answer(cancelled('None', 'ConditionalCheckFailed', 'None'))).toBe('This promptId is taken. Make a new ULID for every prompt.');
    expect(await answer(cancelled('None', 'TransactionConflict', 'None'))).toMatch(/busy right now/);
    expect(await answer({ error: { type: 'DynamoDB:ThrottlingException', message: 'slow down' } })).toMatch(/busy right now/);
  });

  it('refuses a token version that is not a number before any write', async () => {
    const out = await evaluate(file, 'request', { env, stash: { input: input(true, '') } });
    expect(out.error?.message).toMatch(/^Unauthorized/);
  });
});

describe('Mutation.sendPrompt 2.readContext', () => {
  const file = 'Mutation.sendPrompt/2.readContext.ts';
  const input = { id: 'p1', userId: 'u1', conversationId: 'c1', newConversation: false, maxTokens: 100, model: 'model-a', leaseDeadline: NOW + 30_000, baseInput: 300, inputBudget: 700, reserve: 400 };

  it('reads the newest turns of the caller’s conversation with one Query of its index', async () => {
    const out = await evaluate(file, 'request', { stash: { input } });
    expect(out.result).toEqual({
      operation: 'Query',
      index: 'ByConversation',
      query: { expression: 'conversationKey = :key', expressionValues: { ':key': { S: 'u1#c1' } } },
      scanIndexForward: false,
      limit: 50,
    });
  });

  it('keeps the newest answered turns within the budget, oldest first, and grows the reservation and the lease by their bound, the lease naming the turns kept', async () => {
    const turn = (seq: number, status = 'COMPLETED') => ({ seq, status, prompt: 'p'.repeat(100), response: 'r'.repeat(68) });
    // Each turn is bounded by 100 + 68 + 2 × 16 = 200: two fit 300 + 400 ≤ 700, the third would not.
    const out = await evaluate(file, 'response', { stash: { input }, result: { items: [turn(5), turn(4, 'FAILED'), turn(3), turn(2), turn(1)] } });
    expect(out.stashed.history).toEqual([
      { prompt: 'p'.repeat(100), response: 'r'.repeat(68) },
      { prompt: 'p'.repeat(100), response: 'r'.repeat(68) },
    ]);
    expect(out.stashed.input).toMatchObject({ reserve: 800, lease: `${NOW + 30_000}:p1:800:100:c=c1/2:model-a` });
  });
});

describe('Mutation.sendPrompt 7.openTurn', () => {
  const file = 'Mutation.sendPrompt/7.openTurn.ts';
  const input = (newConversation: boolean) => ({ userId: 'u1', conversationId: 'c1', newConversation, createdAt: '2026-11-30T10:15:30.000Z', expiresAt: 1797, prompt: 'Hi\nthere' });

  it('creates a new conversation titled from its first line, or moves an existing one that is not deleted', async () => {
    const created = await evaluate(file, 'request', { stash: { input: input(true), admitted: true } });
    expect(created.result).toMatchObject({ operation: 'UpdateItem', key: { userId: { S: 'u1' }, id: { S: 'c1' } }, condition: { expression: 'attribute_not_exists(id)' } });
    expect((created.result as { update: { expressionValues: Record<string, unknown> } }).update.expressionValues).toMatchObject({
      ':title': { S: 'Hi' },
      ':activity': { S: '2026-11-30T10:15:30.000Z#c1' },
    });
    const moved = await evaluate(file, 'request', { stash: { input: input(false), admitted: true } });
    expect(moved.result).toMatchObject({ condition: { expression: 'attribute_exists(id) AND attribute_not_exists(deleted)' } });
  });

  it('settles a prompt whose conversation was deleted meanwhile as NotFound, refunded, without the model', async () => {
    const out = await evaluate(file, 'response', { stash: { input: input(false), admitted: true }, error: { type: 'DynamoDB:ConditionalCheckFailedException', message: 'failed' } });
    expect(out.stashed).toMatchObject({ settled: 'none', modelError: { errorType: 'NotFound', charged: false } });
    const counted = await evaluate(file, 'response', { stash: { input: input(false), admitted: true }, result: { turns: 7 } });
    expect(counted.stashed.seq).toBe(7);
  });
});
