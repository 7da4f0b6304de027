// @dataSource PromptsTable
// Runs once when a client subscribes: only the caller's own events of that prompt reach it
// (an enhanced filter on userId from the authorizer and on promptId), and logoutEverywhere
// ends the subscription (an invalidation filter on the same userId). An id another user has
// claimed (resolvers/lib/claim.ts) is refused with NotFound, not Unauthorized: an Unauthorized
// error frame makes Amplify close the whole socket and resubscribe the caller's other
// subscriptions (APPSYNC-REALTIME.md §0.5, §3.6); NotFound fails this subscription only. An id
// nobody has claimed yet is accepted, so a client can subscribe before it starts the prompt.
import { extensions, util } from '@aws-appsync/utils';
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { SubscriptionOnPromptEventArgs } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';
import { claimKey, type ClaimItem } from './lib/claim.ts';
import { dataSourceError, ErrorType } from './lib/errors.ts';
import { NOT_YOURS } from './lib/prompt.ts';

export function request(ctx: Context<SubscriptionOnPromptEventArgs>): DynamoDBGetItemRequest {
  callerOf(ctx);
  return { operation: 'GetItem', key: claimKey(ctx.args.promptId), consistentRead: true };
}

export function response(ctx: Context<SubscriptionOnPromptEventArgs>): null {
  if (ctx.error) dataSourceError('onPromptEvent', ctx.error);
  const { userId } = callerOf(ctx);
  const claim = ctx.result as ClaimItem | null;
  if (claim && claim.owner !== userId) {
    util.error(NOT_YOURS, ErrorType.NotFound);
  }
  extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter({ userId: { eq: userId }, promptId: { eq: ctx.args.promptId } }));
  extensions.setSubscriptionInvalidationFilter(util.transform.toSubscriptionFilter({ userId: { eq: userId } }));
  // AppSync requires a subscription resolver's response to return null.
  return null;
}
