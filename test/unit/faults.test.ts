// The fault plan: its setting's grammar, and a seeded, replayable choice of faults.
import { describe, expect, it } from 'vitest';
import { FaultPlan, parseFaults } from '../../emulator/faults/plan.ts';
import { leaseFacts, leaseOf, logWrite, recordOf, usageWrite, type PendingPrompt } from '../../resolvers/lib/settlement.ts';

describe('TOLLGATE_FAULTS', () => {
  it('reads rules by service, kind, target, operation and probability', () => {
    expect(parseFaults('dynamodb.ThrottlingException@UsageTable/UpdateItem=0.1; lambda.crash@ModelFunction=0.05, secretsmanager.Unreachable=1')).toEqual([
      { service: 'dynamodb', kind: 'ThrottlingException', target: 'UsageTable', operation: 'UpdateItem', probability: 0.1 },
      { service: 'lambda', kind: 'crash', target: 'ModelFunction', operation: undefined, probability: 0.05 },
      { service: 'secretsmanager', kind: 'Unreachable', target: undefined, operation: undefined, probability: 1 },
    ]);
  });

  it('names what is wrong with a rule', () => {
    expect(() => parseFaults('dynamodb.Throttle=0.1')).toThrow('dynamodb has no fault "Throttle". Known: ThrottlingException');
    expect(() => parseFaults('s3.error=0.1')).toThrow('unknown service "s3"');
    expect(() => parseFaults('lambda.crash=2')).toThrow('probability must be from 0 to 1');
    expect(() => parseFaults('lambda crash')).toThrow('is not <service>.<kind>');
  });

  it('picks the same faults for the same seed, at about the asked rate, and only where the rule points', () => {
    const run = (seed: number) => {
      const plan = new FaultPlan(parseFaults('dynamodb.ThrottlingException@UsageTable=0.2'), seed);
      return Array.from({ length: 1000 }, (_, i) => plan.pick('dynamodb', [i % 2 ? 'UsageTable' : 'UsersTable'], 'GetItem')?.kind ?? '-');
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    const fired = run(7).filter((k) => k !== '-').length;
    expect(fired).toBeGreaterThan(60);
    expect(fired).toBeLessThan(140);
  });
});

describe('settling', () => {
  const pending: PendingPrompt = {
    userId: 'u1',
    id: '01KB0000000000000000000001',
    day: '2026-11-30',
    minuteAttr: 'm1015',
    lease: leaseOf(1_796_033_760_000, '01KB0000000000000000000001', 762, 500, 'us.amazon.nova-2-lite-v1:0'),
    reserve: 762,
    maxTokens: 500,
    prompt: 'Hello!',
    model: 'us.amazon.nova-2-lite-v1:0',
    createdAt: '2026-11-30T10:15:30.000Z',
    expiresAt: 1_798_625_730,
    idempotencyKey: 'k1',
    queries: 4,
    dailyPromptLimit: 50,
  };

  it('writes the record only if absent, and the usage change only while the lease is held, removing it', () => {
    const { attributes, change } = recordOf(pending, { answer: { text: 'Hi', model: pending.model, inputTokens: 10, outputTokens: 20, stopReason: 'end_turn' } });
    expect(logWrite(pending, attributes).condition).toBe('attribute_not_exists(id)');
    const write = usageWrite('u1', change);
    expect(write.condition).toEqual({ expression: 'contains(leases, :lease)', expressionValues: { ':lease': { S: pending.lease } } });
    expect(write.expression).toContain('DELETE leases :leases');
    expect(write.expressionValues).toMatchObject({ ':tokensDelta': { N: 30 - 762 }, ':queriesDelta': { N: 0 }, ':leases': { SS: [pending.lease] } });
    // An answer keeps its idempotency key; a failure frees it.
    expect(write.expression).not.toContain('REMOVE');
    const failed = usageWrite('u1', recordOf(pending, { failure: { message: 'busy', retryable: true, charged: false, timedOut: false } }).change);
    expect(failed.expression).toContain('REMOVE #idem');
    expect(failed.expressionNames['#idem']).toBe('idem:k1');
    expect(failed.expressionValues).toMatchObject({ ':queriesDelta': { N: -1 }, ':tokensDelta': { N: -762 } });
  });

  it('records the usage change in the record itself, so the reconciler can apply it from the record alone', () => {
    const { attributes, status } = recordOf(pending, { failure: { message: 'timed out', retryable: true, charged: true, timedOut: true } });
    expect(status).toBe('TIMED_OUT');
    expect(attributes).toMatchObject({ status: { S: 'TIMED_OUT' }, inputTokens: { N: 262 }, outputTokens: { N: 500 }, settlement: { M: { lease: { S: pending.lease }, tokensDelta: { N: 0 }, releaseKey: { S: 'k1' } } } });
  });

  it('reads a lease back, model ids with colons and a streamed prompt\'s conversation included, and an old-format one without its facts', () => {
    expect(leaseFacts(pending.lease)).toEqual({ deadlineMs: 1_796_033_760_000, id: pending.id, reserve: 762, maxTokens: 500, model: 'us.amazon.nova-2-lite-v1:0', conversation: null });
    // A streamed prompt's lease names its conversation and the turns it was sent with.
    const streamed = leaseOf(1_796_033_760_000, pending.id, 900, 500, 'us.amazon.nova-2-lite-v1:0', { id: '01KB00000000000000000CONV1', contextTurns: 3 });
    expect(leaseFacts(streamed)).toEqual({
      deadlineMs: 1_796_033_760_000,
      id: pending.id,
      reserve: 900,
      maxTokens: 500,
      model: 'us.amazon.nova-2-lite-v1:0',
      conversation: { id: '01KB00000000000000000CONV1', contextTurns: 3 },
    });
    expect(leaseFacts(leaseOf(1, pending.id, 900, 500, 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc')).model).toBe(
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc',
    );
    expect(leaseFacts('1796033760000:01KB0000000000000000000001')).toMatchObject({ id: '01KB0000000000000000000001', reserve: null, model: null });
  });
});
