// @dataSource PromptsTable
// Claims the prompt's id for the caller before anything is charged: one item per id
// (`#<id>` / `#claim`) saying whose it is, so an id another user holds is refused here and in
// onPromptEvent and prompt(id). It is also the streamed prompt's live view: the stream function
// keeps the answer so far in it, which prompt(id) shows until the log record exists. A restart
// by the same user changes nothing in it.
import type { Context, DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import type { MutationStartPromptArgs } from '../../generated/graphql.ts';
import { claimKey } from '../lib/claim.ts';
import { dataSourceError, validationError } from '../lib/errors.ts';
import type { PromptStash } from '../lib/prompt.ts';

export function request(ctx: Context<MutationStartPromptArgs, PromptStash>): DynamoDBUpdateItemRequest {
  const input = ctx.stash.input;
  return {
    operation: 'UpdateItem',
    key: claimKey(input.id),
    update: {
      expression: 'SET #owner = :owner, #prompt = if_not_exists(#prompt, :prompt), #model = if_not_exists(#model, :model), #createdAt = if_not_exists(#createdAt, :createdAt), #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
      expressionNames: { '#owner': 'owner', '#prompt': 'prompt', '#model': 'model', '#createdAt': 'createdAt', '#expiresAt': 'expiresAt' },
      expressionValues: {
        ':owner': { S: input.userId },
        ':prompt': { S: input.prompt },
        ':model': { S: input.model },
        ':createdAt': { S: input.createdAt },
        ':expiresAt': { N: input.expiresAt },
      },
    },
    condition: { expression: 'attribute_not_exists(#owner) OR #owner = :owner' },
  };
}

export function response(ctx: Context<MutationStartPromptArgs, PromptStash>): null {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      validationError('promptId', 'taken', 'This promptId is taken. Make a new ULID for every prompt.');
    }
    dataSourceError('claimId', ctx.error);
  }
  return null;
}
