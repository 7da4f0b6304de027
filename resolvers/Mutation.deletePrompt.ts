// @dataSource PromptsTable
// Deletes one of the caller's prompts. The key includes the caller's id, so another user's
// prompt is simply not there: NotFound, whether it exists or not.
import { util } from '@aws-appsync/utils';
import type { Context, DynamoDBDeleteItemRequest } from '@aws-appsync/utils';
import type { MutationDeletePromptArgs } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';
import { ErrorType, internalError } from './lib/errors.ts';

export function request(ctx: Context<MutationDeletePromptArgs>): DynamoDBDeleteItemRequest {
  const caller = callerOf(ctx);
  // DeleteItem returns the old item; none means nothing was deleted. (A condition would not do:
  // AppSync reports a failed condition as success when the item already looks deleted.)
  return { operation: 'DeleteItem', key: { userId: { S: caller.userId }, id: { S: ctx.args.id } } };
}

export function response(ctx: Context<MutationDeletePromptArgs>): boolean {
  if (ctx.error) internalError('deletePrompt', ctx.error);
  if (!ctx.result) {
    util.error('No prompt with that id belongs to you.', ErrorType.NotFound);
  }
  return true;
}
