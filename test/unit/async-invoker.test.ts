// Lambda's asynchronous invocation rules, as the emulator runs them on its clock
// (emulator/lambda/async.ts): retries after a function error at +1 and +2 minutes, throttles
// back to the queue with a growing wait, the maximum event age, and the on-failure record.
import { describe, expect, it } from 'vitest';
import { AsyncInvoker, type AsyncConfig, type InvocationRecord } from '../../emulator/lambda/async.ts';
import { Scheduler } from '../../emulator/events/scheduler.ts';
import type { InvokeResult } from '../../emulator/lambda/runner.ts';

function harness(config: Partial<AsyncConfig>, outcomes: InvokeResult['ok'][] | ((n: number) => InvokeResult)) {
  let now = 1_000_000;
  const scheduler = new Scheduler(() => now);
  const calls: { functionId: string; at: number; event: unknown }[] = [];
  const failed: InvokeResult = { ok: false, errorType: 'Error', errorMessage: 'boom', durationMs: 1, coldStart: false, initMs: 0 };
  const invoker = new AsyncInvoker({
    invoke: async (functionId, event) => {
      calls.push({ functionId, at: now, event });
      if (functionId === 'Destination') return { ok: true, payload: null, durationMs: 1, coldStart: false, initMs: 0 };
      const n = calls.filter((c) => c.functionId === 'Fn').length;
      if (typeof outcomes === 'function') return outcomes(n);
      return outcomes[n - 1] ? { ok: true, payload: 'done', durationMs: 1, coldStart: false, initMs: 0 } : failed;
    },
    scheduler,
    now: () => now,
    configOf: (id) => (id === 'Fn' ? { maxRetryAttempts: 2, maxEventAgeSeconds: 21600, ...config } : { maxRetryAttempts: 0, maxEventAgeSeconds: 60 }),
    functionArn: (id) => `arn:aws:lambda:us-east-1:000000000000:function:${id}`,
    log: () => undefined,
  });
  const advance = async (ms: number) => {
    now += ms;
    scheduler.kick();
    await invoker.idle();
  };
  return { invoker, calls, advance, scheduler, start: now };
}

const throttled: InvokeResult = { ok: false, errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', durationMs: 0, coldStart: false, initMs: 0 };

describe('asynchronous invocation', () => {
  it('answers at once, and retries a failing function twice, one minute and then two minutes later', async () => {
    const h = harness({ onFailure: { arn: 'arn:aws:lambda:us-east-1:000000000000:function:Destination', functionId: 'Destination' } }, [false, false, false]);
    h.invoker.enqueue('Fn', { n: 1 });
    await h.advance(0);
    await h.advance(59_999);
    expect(h.calls.filter((c) => c.functionId === 'Fn')).toHaveLength(1);
    await h.advance(1);
    await h.advance(120_000);
    expect(h.calls.filter((c) => c.functionId === 'Fn').map((c) => c.at - h.start)).toEqual([0, 60_000, 180_000]);
    // Then the on-failure destination gets the invocation record, asynchronously.
    await h.advance(0);
    const record = h.calls.find((c) => c.functionId === 'Destination')!.event as InvocationRecord;
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Fn:$LATEST' },
      requestPayload: { n: 1 },
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'boom' },
    });
    h.scheduler.close();
  });

  it('stops retrying at the configured MaximumRetryAttempts, and not at all with 0', async () => {
    const h = harness({ maxRetryAttempts: 0, onFailure: { arn: 'arn:aws:sqs:us-east-1:000000000000:dead-letters' } }, [false]);
    h.invoker.enqueue('Fn', {});
    await h.advance(0);
    await h.advance(600_000);
    expect(h.calls).toHaveLength(1);
    expect(h.invoker.delivered).toMatchObject([{ destination: 'arn:aws:sqs:us-east-1:000000000000:dead-letters', record: { requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 } } }]);
    h.scheduler.close();
  });

  it('puts a throttled event back with a doubling wait, not counted as a retry, until it is older than its maximum age', async () => {
    const h = harness({ maxEventAgeSeconds: 60, onFailure: { arn: 'arn:aws:sns:us-east-1:000000000000:t' } }, () => throttled);
    h.invoker.enqueue('Fn', {});
    for (let i = 0; i < 10; i++) await h.advance(i === 0 ? 0 : 1000 * 2 ** (i - 1));
    const at = h.calls.map((c) => c.at - h.start);
    expect(at.slice(0, 5)).toEqual([0, 1000, 3000, 7000, 15_000]);
    expect(Math.max(...at)).toBeLessThanOrEqual(60_000);
    expect(h.invoker.delivered).toMatchObject([{ record: { requestContext: { condition: 'EventAgeExceeded', approximateInvokeCount: 0 } } }]);
    expect(h.invoker.stats.retries).toBe(0);
    h.scheduler.close();
  });

  it('runs a succeeding event once', async () => {
    const h = harness({}, [true]);
    h.invoker.enqueue('Fn', {});
    await h.advance(0);
    await h.advance(600_000);
    expect(h.calls).toHaveLength(1);
    expect(h.invoker.stats).toMatchObject({ queued: 1, attempts: 1, succeeded: 1, failed: 0 });
    h.scheduler.close();
  });
});
