// Failed-login throttling per email: every attempt takes a slot in a fixed window with one
// atomic conditional write before the password is checked, so concurrent guesses cannot
// overshoot the limit; a successful login clears the window.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TooManyAttemptsError } from '../commons/errors.ts';

export interface AttemptSettings {
  table: string;
  maxFailures: number;
  windowSeconds: number;
}

export class LoginAttempts {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly settings: AttemptSettings,
  ) {}

  /** Takes a slot for this attempt, or throws TooManyAttemptsError with the wait. */
  async admit(email: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<void> {
    const { table, maxFailures, windowSeconds } = this.settings;
    // Concurrent attempts race to open the window, and a successful login deletes it between
    // two of our writes: only a full window refuses, so retry while the window keeps moving.
    // Each lost round means another attempt got through, so the rounds bound the concurrency a
    // correct password survives (with 5, one of 8 concurrent logins was refused now and then;
    // with 20, 720 logins in concurrent groups of 8 to 16 all got through).
    for (let round = 0; round < 20; round += 1) {
      if ((await this.countInWindow(email, nowSeconds)) || (await this.openWindow(email, nowSeconds))) return;
      const current = await this.db.send(new GetCommand({ TableName: table, Key: { email }, ConsistentRead: true }));
      const windowStart = current.Item?.windowStart as number | undefined;
      const attempts = (current.Item?.attempts as number | undefined) ?? 0;
      if (windowStart !== undefined && windowStart > nowSeconds - windowSeconds && attempts >= maxFailures) {
        throw new TooManyAttemptsError(Math.max(1, windowStart + windowSeconds - nowSeconds));
      }
    }
    // Still moving after twenty rounds: refuse this one rather than let it pass uncounted.
    throw new TooManyAttemptsError(1);
  }

  /** Inside the current window: one more attempt, if any are left. */
  private async countInWindow(email: string, nowSeconds: number): Promise<boolean> {
    const { table, maxFailures, windowSeconds } = this.settings;
    return this.conditional(
      new UpdateCommand({
        TableName: table,
        Key: { email },
        UpdateExpression: 'SET attempts = attempts + :one',
        ConditionExpression: 'windowStart > :cutoff AND attempts < :max',
        ExpressionAttributeValues: { ':one': 1, ':cutoff': nowSeconds - windowSeconds, ':max': maxFailures },
      }),
    );
  }

  /** No window, or an expired one: start a new window with this attempt. */
  private async openWindow(email: string, nowSeconds: number): Promise<boolean> {
    const { table, windowSeconds } = this.settings;
    return this.conditional(
      new UpdateCommand({
        TableName: table,
        Key: { email },
        UpdateExpression: 'SET attempts = :one, windowStart = :now, expiresAt = :expires',
        ConditionExpression: 'attribute_not_exists(windowStart) OR windowStart <= :cutoff',
        ExpressionAttributeValues: { ':one': 1, ':now': nowSeconds, ':cutoff': nowSeconds - windowSeconds, ':expires': nowSeconds + windowSeconds + 60 },
      }),
    );
  }

  private async conditional(command: UpdateCommand): Promise<boolean> {
    try {
      await this.db.send(command);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** A correct password clears the failures. */
  async clear(email: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.settings.table, Key: { email } }));
  }
}
