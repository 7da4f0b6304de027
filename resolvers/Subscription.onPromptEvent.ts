// @dataSource None
// Runs once when a client subscribes: only the caller's own events of that prompt reach it
// (an enhanced filter on userId from the authorizer and on promptId), and logoutEverywhere
// ends the subscription (an invalidation filter on the same userId).
import { extensions, util } from '@aws-appsync/utils';
import type { Context, NONERequest } from '@aws-appsync/utils';
import type { SubscriptionOnPromptEventArgs } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';

export function request(ctx: Context<SubscriptionOnPromptEventArgs>): NONERequest {
  callerOf(ctx);
  return { payload: null };
}

export function response(ctx: Context<SubscriptionOnPromptEventArgs>): null {
  const { userId } = callerOf(ctx);
  extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter({ userId: { eq: userId }, promptId: { eq: ctx.args.promptId } }));
  extensions.setSubscriptionInvalidationFilter(util.transform.toSubscriptionFilter({ userId: { eq: userId } }));
  // AppSync requires a subscription resolver's response to return null.
  return null;
}
