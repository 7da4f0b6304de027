// @dataSource UsersTable
// Bumps the user's tokenVersion: the authorizer refuses every token that carries an older one,
// and ends the user's live subscriptions (their invalidation filter is on the same userId).
import type { Context, DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { extensions, util } from '@aws-appsync/utils';
import { callerOf } from './lib/caller.ts';
import { dataSourceError } from './lib/errors.ts';

export function request(ctx: Context): DynamoDBUpdateItemRequest {
  const caller = callerOf(ctx);
  return {
    operation: 'UpdateItem',
    key: { email: { S: caller.email } },
    update: {
      expression: 'SET tokenVersion = tokenVersion + :one, tokensRevokedAt = :now',
      expressionValues: { ':one': { N: 1 }, ':now': { S: util.time.nowISO8601() } },
    },
    condition: { expression: 'userId = :userId', expressionValues: { ':userId': { S: caller.userId } } },
  };
}

export function response(ctx: Context): boolean {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      // The account is gone or was replaced since the token was checked.
      return util.unauthorized();
    }
    dataSourceError('logoutEverywhere', ctx.error);
  }
  extensions.invalidateSubscriptions({ subscriptionField: 'onPromptEvent', payload: { userId: callerOf(ctx).userId } });
  return true;
}
