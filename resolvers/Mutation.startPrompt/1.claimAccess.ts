// @dataSource PromptsTable
// The caller's access and the prompt's id, in one TransactWriteItems before anything is charged:
//   0. ConditionCheck on the caller's account (Users): the same user, not disabled, not revoked —
//      sendPrompt's checkUser (resolvers/Mutation.sendPrompt/1.checkAccess.ts) as a condition, so
//      a token revoked a moment ago (logoutEverywhere) starts no prompt;
//   1. the claim of the prompt's id (`#<id>` / `#claim`, resolvers/lib/claim.ts): one item per id
//      saying whose it is, so an id another user holds is refused here and in onPromptEvent and
//      prompt(id); the stream function keeps the answer so far in it for prompt(id). A restart by
//      the same user changes nothing in it;
//   2. when a conversation is named, ConditionCheck on its header under the caller's own key, so
//      another user's conversation, an unknown one and one being deleted are NotFound.
// Why one function: startPrompt needs sendPrompt's conversation steps (readContext, openTurn) and
// AppSync allows at most 10 functions per pipeline (infra/resolvers.ts); the account check and the
// claim were two. A transaction, not a read: the claim is a write anyway, and the checks ride on
// it. All or nothing: a refused caller, conversation or id leaves no claim behind, so the owner
// of an id can retry it at once (into another conversation, or after logging in again).
// AppSync's TransactWriteItems takes ConditionCheck items and items of several tables (physical
// names: the API's USERS_TABLE, PROMPTS_TABLE, CONVERSATIONS_TABLE); a failed condition cancels the
// transaction with ctx.error (DynamoDB:TransactionCanceledException) and the reasons, one per item in
// request order, in ctx.result.cancellationReasons (`type` ConditionalCheckFailed, None,
// TransactionConflict, …)
// (https://docs.aws.amazon.com/appsync/latest/devguide/js-aws-appsync-resolver-reference-dynamodb-transact-write-items.html,
// https://docs.aws.amazon.com/appsync/latest/devguide/js-aws-appsync-resolver-reference-dynamodb-transaction-condition-expressions.html,
// checked 2026-11-30).
// Cost: DynamoDB performs two underlying writes per item of a transaction (prepare and commit),
// so each item costs twice its write units, a ConditionCheck included
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html, "Capacity
// management for transactions", checked 2026-11-30). The account item and a conversation header
// are under 1 KB: 2 WCU each; the claim (it holds the prompt) 2 × ceil(size / 1 KB). A prompt
// whose claim fits in 1 KB costs 4 WCU without a conversation and 6 with one, where the account
// GetItem (1 RCU, consistent) and the claim UpdateItem (1 WCU) of before cost 1 RCU + 1 WCU; a
// prompt of 4 KB: 12 or 14 WCU against 1 RCU + 5 WCU. Per streamed prompt, beside a model call.
import { util } from '@aws-appsync/utils';
import type { Context, DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import type { MutationStartPromptArgs } from '../../generated/graphql.ts';
import { claimKey } from '../lib/claim.ts';
import { notFound } from '../lib/conversation.ts';
import { dataSourceError, validationError } from '../lib/errors.ts';
import type { PromptStash } from '../lib/prompt.ts';

type TransactItem = DynamoDBTransactWriteItemsRequest['transactItems'][number];

/** The items' places in the transaction: cancellation reasons come back in this order. */
const ACCOUNT = 0;
const CLAIM = 1;
const CONVERSATION = 2;

export function request(ctx: Context<MutationStartPromptArgs, PromptStash>): DynamoDBTransactWriteItemsRequest {
  const input = ctx.stash.input;
  // The authorizer puts the token's integer version here; anything else cannot match an account.
  if (!util.matches('^[0-9]{1,15}$', input.tokenVersion)) util.unauthorized();
  const items: TransactItem[] = [
    {
      table: ctx.env.USERS_TABLE,
      operation: 'ConditionCheck',
      key: { email: { S: input.email } },
      condition: {
        // checkUser: the item is there with this user's id, not disabled (BOOL true), and its
        // tokenVersion (a number) is the token's.
        expression: 'userId = :userId AND tokenVersion = :tokenVersion AND (attribute_not_exists(disabled) OR disabled <> :disabled)',
        expressionValues: { ':userId': { S: input.userId }, ':tokenVersion': { N: Number(input.tokenVersion) }, ':disabled': { BOOL: true } },
        returnValuesOnConditionCheckFailure: false,
      },
    },
    {
      table: ctx.env.PROMPTS_TABLE,
      operation: 'UpdateItem',
      key: claimKey(input.id),
      update: {
        expression:
          'SET #owner = :owner, #prompt = if_not_exists(#prompt, :prompt), #model = if_not_exists(#model, :model), #createdAt = if_not_exists(#createdAt, :createdAt), #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
        expressionNames: { '#owner': 'owner', '#prompt': 'prompt', '#model': 'model', '#createdAt': 'createdAt', '#expiresAt': 'expiresAt' },
        expressionValues: {
          ':owner': { S: input.userId },
          ':prompt': { S: input.prompt },
          ':model': { S: input.model },
          ':createdAt': { S: input.createdAt },
          ':expiresAt': { N: input.expiresAt },
        },
      },
      condition: {
        expression: 'attribute_not_exists(#owner) OR #owner = :owner',
        expressionNames: { '#owner': 'owner' },
        expressionValues: { ':owner': { S: input.userId } },
        returnValuesOnConditionCheckFailure: false,
      },
    },
  ];
  if (!input.newConversation) {
    items.push({
      table: ctx.env.CONVERSATIONS_TABLE,
      operation: 'ConditionCheck',
      key: { userId: { S: input.userId }, id: { S: input.conversationId } },
      condition: {
        // checkAccess's test: there, and not marked deleted.
        expression: 'attribute_exists(id) AND (attribute_not_exists(deleted) OR deleted <> :deleted)',
        expressionValues: { ':deleted': { BOOL: true } },
        returnValuesOnConditionCheckFailure: false,
      },
    });
  }
  return { operation: 'TransactWriteItems', transactItems: items };
}

interface CancellationReason {
  type: string;
  message: string | null;
}

export function response(ctx: Context<MutationStartPromptArgs, PromptStash>): null {
  if (!ctx.error) return null;
  const result = ctx.result as { cancellationReasons?: CancellationReason[] | null } | null;
  const reasons = result && result.cancellationReasons ? result.cancellationReasons : [];
  const failed = (at: number): boolean => reasons.length > at && reasons[at].type === 'ConditionalCheckFailed';
  // In the order the two pipelines check: the account, then the conversation, then the id.
  if (failed(ACCOUNT)) util.unauthorized();
  if (failed(CONVERSATION)) notFound();
  if (failed(CLAIM)) validationError('promptId', 'taken', 'This promptId is taken. Make a new ULID for every prompt.');
  // Cancelled by a conflicting write (TransactionConflict) or throttled: RateLimited, nothing charged.
  return dataSourceError('claimAccess', ctx.error);
}
