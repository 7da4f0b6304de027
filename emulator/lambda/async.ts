// Lambda's asynchronous invocation (InvocationType Event, AppSync's invocationType: 'Event',
// EventBridge targets): the caller gets its answer at once and the event runs later, with
// Lambda's retry rules on the emulator's clock
// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html, checked
// 2026-11-30):
// - a function error (thrown, crashed, timed out) is retried twice by default, one minute after
//   the first attempt and two minutes after the second;
// - a throttle (429) or a system error goes back to the queue, retried from 1 s after the first
//   attempt, doubling, at most 5 minutes apart, until the event's maximum age (6 hours by default);
// - the function's AWS::Lambda::EventInvokeConfig sets MaximumRetryAttempts (0–2) and
//   MaximumEventAgeInSeconds (60–21600);
// - an event that fails every attempt (RetriesExhausted) or grows too old (EventAgeExceeded) goes
//   to the on-failure destination as an invocation record; a Lambda destination is invoked
//   asynchronously with it, other destinations (SQS, SNS, EventBridge) are kept and logged.
// The same event may also arrive twice on AWS (the queue is eventually consistent); handlers
// must be idempotent whatever the emulator does.
import { randomUUID } from 'node:crypto';
import type { InvokeResult } from './runner.ts';
import type { Scheduler } from '../events/scheduler.ts';

export interface AsyncConfig {
  maxRetryAttempts: number;
  maxEventAgeSeconds: number;
  /** The on-failure destination's ARN, and the template function it names, if it is one. */
  onFailure?: { arn: string; functionId?: string };
  onSuccess?: { arn: string; functionId?: string };
}

export const ASYNC_DEFAULTS: AsyncConfig = { maxRetryAttempts: 2, maxEventAgeSeconds: 6 * 3600 };
/** Between function-error attempts: 1 minute, then 2. */
export const RETRY_DELAYS_MS = [60_000, 120_000];
const THROTTLE_FIRST_MS = 1000;
const THROTTLE_MAX_MS = 5 * 60_000;

export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: 'RetriesExhausted' | 'EventAgeExceeded' | 'Success'; approximateInvokeCount: number };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  responsePayload: unknown;
}

interface QueuedEvent {
  requestId: string;
  functionId: string;
  payload: unknown;
  queuedAt: number;
  invocations: number;
  retries: number;
  throttles: number;
  /** When its next attempt is due (clock ms). */
  due: number;
  last?: InvokeResult;
}

export interface AsyncDeps {
  invoke(functionId: string, event: unknown): Promise<InvokeResult>;
  scheduler: Scheduler;
  now(): number;
  configOf(functionId: string): AsyncConfig;
  functionArn(functionId: string): string;
  log(line: string): void;
}

export interface AsyncStats {
  queued: number;
  attempts: number;
  retries: number;
  throttled: number;
  succeeded: number;
  failed: number;
}

export class AsyncInvoker {
  private running = 0;
  private waiting = new Set<QueuedEvent>();
  private idleWaiters: (() => void)[] = [];
  /** Invocation records sent to destinations that are not functions of the template. */
  readonly delivered: { destination: string; record: InvocationRecord }[] = [];
  readonly stats: AsyncStats = { queued: 0, attempts: 0, retries: 0, throttled: 0, succeeded: 0, failed: 0 };

  constructor(private readonly deps: AsyncDeps) {}

  /** Queues an event and returns its request id at once, as Lambda answers 202. */
  enqueue(functionId: string, payload: unknown): string {
    const event: QueuedEvent = { requestId: randomUUID(), functionId, payload, queuedAt: this.deps.now(), invocations: 0, retries: 0, throttles: 0, due: 0 };
    this.stats.queued += 1;
    this.schedule(event, event.queuedAt);
    return event.requestId;
  }

  /** Resolves once no event is running and none is due by the clock's current time. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Events waiting for a later retry (by the clock). */
  pending(): number {
    return this.waiting.size;
  }

  private isIdle(): boolean {
    const now = this.deps.now();
    return this.running === 0 && ![...this.waiting].some((e) => e.due <= now);
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private schedule(event: QueuedEvent, due: number): void {
    event.due = due;
    this.waiting.add(event);
    this.deps.scheduler.at(due, () => {
      this.waiting.delete(event);
      void this.attempt(event);
    });
  }

  private async attempt(event: QueuedEvent): Promise<void> {
    const config = this.deps.configOf(event.functionId);
    if (this.deps.now() - event.queuedAt > config.maxEventAgeSeconds * 1000) {
      this.fail(event, 'EventAgeExceeded', config);
      return;
    }
    this.running += 1;
    this.stats.attempts += 1;
    let out: InvokeResult;
    try {
      out = await this.deps.invoke(event.functionId, event.payload);
    } finally {
      this.running -= 1;
    }
    event.last = out;
    const now = this.deps.now();
    if (out.ok) {
      event.invocations += 1;
      this.stats.succeeded += 1;
      if (config.onSuccess) this.deliver(event, 'Success', config.onSuccess);
    } else if (out.errorType === 'TooManyRequestsException') {
      // Throttled: back to the queue, not a retry attempt, until the event is too old.
      this.stats.throttled += 1;
      const delay = Math.min(THROTTLE_MAX_MS, THROTTLE_FIRST_MS * 2 ** event.throttles);
      event.throttles += 1;
      if (now + delay - event.queuedAt > config.maxEventAgeSeconds * 1000) this.fail(event, 'EventAgeExceeded', config);
      else this.schedule(event, now + delay);
    } else {
      event.invocations += 1;
      if (event.retries < config.maxRetryAttempts) {
        const delay = RETRY_DELAYS_MS[Math.min(event.retries, RETRY_DELAYS_MS.length - 1)]!;
        event.retries += 1;
        this.stats.retries += 1;
        this.deps.log(`[lambda] async ${event.requestId} failed (${out.errorType}); retry ${event.retries} in ${delay / 1000} s`);
        this.schedule(event, now + delay);
      } else {
        this.fail(event, 'RetriesExhausted', config);
      }
    }
    this.settleIdle();
  }

  private fail(event: QueuedEvent, condition: 'RetriesExhausted' | 'EventAgeExceeded', config: AsyncConfig): void {
    this.stats.failed += 1;
    this.deps.log(`[lambda] async ${event.requestId} of ${event.functionId} dropped: ${condition} after ${event.invocations} invocation(s)`);
    if (config.onFailure) this.deliver(event, condition, config.onFailure);
    this.settleIdle();
  }

  private deliver(event: QueuedEvent, condition: InvocationRecord['requestContext']['condition'], destination: { arn: string; functionId?: string }): void {
    const last = event.last;
    const record: InvocationRecord = {
      version: '1.0',
      timestamp: new Date(this.deps.now()).toISOString(),
      requestContext: { requestId: event.requestId, functionArn: `${this.deps.functionArn(event.functionId)}:$LATEST`, condition, approximateInvokeCount: event.invocations },
      requestPayload: event.payload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(last && !last.ok ? { functionError: 'Unhandled' } : {}) },
      responsePayload: last ? (last.ok ? last.payload : { errorType: last.errorType, errorMessage: last.errorMessage }) : null,
    };
    if (destination.functionId) this.enqueue(destination.functionId, record);
    else {
      this.delivered.push({ destination: destination.arn, record });
      this.deps.log(`[lambda] async ${event.requestId}: ${condition} record for ${destination.arn}`);
    }
  }
}
