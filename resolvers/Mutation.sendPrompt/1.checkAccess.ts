// @dataSource UsersTable
// Reads the caller's account with a consistent read, so a token revoked a moment ago (logout
// everywhere, a disabled account) admits no prompt, however long the authorizer caches it. One
// read, not a transaction with the admission: it costs less and conflicts with no other write; a
// revocation that lands between this read and the admission, milliseconds later, still lets that
// one prompt through.
// A prompt into a named conversation reads, in the same call, the conversation's header under the
// caller's own key, so another user's conversation, an unknown one and one being deleted are all
// NotFound before anything is charged. One function for both reads because AppSync allows at most
// 10 functions per pipeline (infra/resolvers.ts). A TransactGetItems of the two keys: it needs
// only dynamodb:GetItem on each item (no role here may batch), its reads are consistent, it names
// physical tables (USERS_TABLE, CONVERSATIONS_TABLE in the API's environment), answers in request
// order with null for a missing item, and is cancelled (TransactionCanceledException) only if a
// write to one of the two items is in flight at that moment: the client is asked to retry,
// nothing charged (https://docs.aws.amazon.com/appsync/latest/devguide/js-aws-appsync-resolver-reference-dynamodb-transact-get-items.html,
// checked 2026-11-30).
import { util } from '@aws-appsync/utils';
import type { Context, DynamoDBTransactGetItemsRequest, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import type { MutationSendPromptArgs } from '../../generated/graphql.ts';
import { notFound, type StoredConversation } from '../lib/conversation.ts';
import { dataSourceError } from '../lib/errors.ts';
import type { PromptStash } from '../lib/prompt.ts';

interface UserItem {
  userId: string;
  tokenVersion: number;
  disabled?: boolean;
}

interface TransactResult {
  items: [UserItem | null, StoredConversation | null];
}

export function request(ctx: Context<MutationSendPromptArgs, PromptStash>): DynamoDBGetItemRequest | DynamoDBTransactGetItemsRequest {
  const input = ctx.stash.input;
  const account = { email: { S: input.email } };
  if (input.newConversation) {
    return { operation: 'GetItem', key: account, consistentRead: true };
  }
  return {
    operation: 'TransactGetItems',
    transactItems: [
      { table: ctx.env.USERS_TABLE, key: account },
      { table: ctx.env.CONVERSATIONS_TABLE, key: { userId: { S: input.userId }, id: { S: input.conversationId } } },
    ],
  };
}

export function response(ctx: Context<MutationSendPromptArgs, PromptStash>): null {
  if (ctx.error) dataSourceError('checkAccess', ctx.error);
  const input = ctx.stash.input;
  if (input.newConversation) {
    checkUser(ctx.result as UserItem | null, input);
    return null;
  }
  const items = (ctx.result as TransactResult).items;
  checkUser(items[0] ?? null, input);
  const conversation = items[1];
  if (!conversation || conversation.deleted === true) notFound();
  return null;
}

/** The account as the token says it is: same user, not disabled, not revoked. */
function checkUser(user: UserItem | null, input: PromptStash['input']): void {
  if (!user || user.userId !== input.userId || user.disabled === true || String(user.tokenVersion) !== input.tokenVersion) {
    util.unauthorized();
  }
}
