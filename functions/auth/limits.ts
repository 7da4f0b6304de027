// Window counters for the auth function's limits (registrations and logins per source IP, failed
// logins per email and client). Each attempt takes a slot with one atomic conditional write
// before any hashing, so concurrent attempts — or one request full of aliased operations —
// cannot overshoot a limit. A window opens with its first attempt and lasts its length, so a
// burst is judged inside one window, not split across a clock boundary.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface Window {
  /** Slots per window; Infinity counts without ever refusing. */
  limit: number;
  seconds: number;
}

export type Taken = { ok: true; count: number } | { ok: false; retryAfterSeconds: number };

interface CounterItem {
  count?: number;
  windowStart?: number;
}

export class WindowCounters {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * One slot in the key's current window, or the seconds until the window ends. In a running
   * window that is one write; opening a window costs one more (the refused first try).
   */
  async take(key: string, window: Window, nowSeconds = Math.floor(Date.now() / 1000)): Promise<Taken> {
    // Racing attempts: the loser of a race to open the window counts in the winner's. If both
    // writes are refused, a read tells a full window from an item that changed in between (an
    // operator clearing it), which is worth another round.
    for (let round = 0; round < 3; round += 1) {
      const count = (await this.countInWindow(key, window, nowSeconds)) ?? (await this.openWindow(key, window, nowSeconds));
      if (count !== undefined) return { ok: true, count };
      const current = (await this.db.send(new GetCommand({ TableName: this.table, Key: { key }, ConsistentRead: true }))).Item as CounterItem | undefined;
      const running = current?.windowStart !== undefined && current.windowStart > nowSeconds - window.seconds;
      if (running && (current.count ?? 0) >= window.limit) {
        return { ok: false, retryAfterSeconds: Math.max(1, current.windowStart! + window.seconds - nowSeconds) };
      }
    }
    return { ok: false, retryAfterSeconds: 1 };
  }

  /** Gives a slot back (a login that turned out right), if the window it was taken in still runs. */
  async release(key: string, window: Window, nowSeconds = Math.floor(Date.now() / 1000)): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: { key },
        UpdateExpression: 'SET #count = #count - :one',
        ConditionExpression: 'windowStart > :cutoff AND #count > :zero',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':cutoff': nowSeconds - window.seconds },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
  }

  /**
   * Starts the key's count over within its window (a successful login clears that client's
   * failures). A reset, not a delete: a delete would make concurrent takes find no window, open
   * one and race each other.
   */
  async clear(key: string): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: { key },
        UpdateExpression: 'SET #count = :zero',
        ConditionExpression: 'attribute_exists(windowStart)',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':zero': 0 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
  }

  /** Inside the current window: one more, if any are left. */
  private countInWindow(key: string, window: Window, nowSeconds: number): Promise<number | undefined> {
    const bounded = Number.isFinite(window.limit);
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: { key },
        UpdateExpression: 'SET #count = #count + :one',
        ConditionExpression: bounded ? 'windowStart > :cutoff AND #count < :max' : 'windowStart > :cutoff',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':cutoff': nowSeconds - window.seconds, ...(bounded ? { ':max': window.limit } : {}) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
  }

  /** No window, or an expired one: start a new window with this attempt. */
  private openWindow(key: string, window: Window, nowSeconds: number): Promise<number | undefined> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: { key },
        UpdateExpression: 'SET #count = :one, windowStart = :now, expiresAt = :expires',
        ConditionExpression: 'attribute_not_exists(windowStart) OR windowStart <= :cutoff',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':now': nowSeconds, ':cutoff': nowSeconds - window.seconds, ':expires': nowSeconds + window.seconds + 60 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
  }

  private async conditional(command: UpdateCommand): Promise<number | undefined> {
    try {
      const out = await this.db.send(command);
      return (out.Attributes as CounterItem | undefined)?.count ?? 0;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
