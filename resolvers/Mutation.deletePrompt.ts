// @dataSource PromptsTable
// Deletes one of the caller's prompts. The key includes the caller's id, so another user's
// prompt is simply not there: NotFound, whether it exists or not. An id that cannot be a prompt
// id is refused before DynamoDB.
import { util } from '@aws-appsync/utils';
import type { Context, DynamoDBDeleteItemRequest } from '@aws-appsync/utils';
import type { MutationDeletePromptArgs } from '../generated/graphql.ts';
import { callerOf } from './lib/caller.ts';
import { dataSourceError, ErrorType, validationError } from './lib/errors.ts';
import { isPromptId } from './lib/ids.ts';

const NOT_FOUND = 'No prompt with that id belongs to you.';

export function request(ctx: Context<MutationDeletePromptArgs>): DynamoDBDeleteItemRequest {
  const caller = callerOf(ctx);
  const id = ctx.args.id;
  if (id === '') validationError('id', 'empty', 'Give the id of the prompt to delete.');
  if (!isPromptId(id)) util.error(NOT_FOUND, ErrorType.NotFound);
  // DeleteItem returns the old item; none means nothing was deleted. (A condition would not do:
  // AppSync reports a failed condition as success when the item already looks deleted.)
  return { operation: 'DeleteItem', key: { userId: { S: caller.userId }, id: { S: id } } };
}

export function response(ctx: Context<MutationDeletePromptArgs>): boolean {
  if (ctx.error) dataSourceError('deletePrompt', ctx.error);
  if (!ctx.result) {
    util.error(NOT_FOUND, ErrorType.NotFound);
  }
  return true;
}
