// @dataSource UsersTable
// Reads the caller's account with a consistent read, so a token revoked a moment ago (logout
// everywhere, a disabled account) admits no prompt, however long the authorizer caches it. One
// read, not a transaction with the admission: it costs less and conflicts with no other write; a
// revocation that lands between this read and the admission, milliseconds later, still lets that
// one prompt through.
import { util } from '@aws-appsync/utils';
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { dataSourceError } from '../lib/errors.ts';
import type { PromptStash } from '../lib/prompt.ts';

interface UserItem {
  userId: string;
  tokenVersion: number;
  disabled?: boolean;
}

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: { email: { S: ctx.stash.input.email } }, consistentRead: true };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) dataSourceError('checkToken', ctx.error);
  const input = ctx.stash.input;
  const user = ctx.result as UserItem | null;
  if (!user || user.userId !== input.userId || user.disabled === true || String(user.tokenVersion) !== input.tokenVersion) {
    util.unauthorized();
  }
  return null;
}
