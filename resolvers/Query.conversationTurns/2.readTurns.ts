// @dataSource PromptsTable
// The turns, newest first, a page at a time, from the ByConversation index under a key that holds
// the caller's own id. The cursor is the last turn's seq.
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import type { QueryConversationTurnsArgs, TurnPage } from '../../generated/graphql.ts';
import { callerOf } from '../lib/caller.ts';
import { conversationKey, isSeqCursor, pageSize, TURNS_INDEX } from '../lib/conversation.ts';
import { dataSourceError, validationError } from '../lib/errors.ts';
import { promptRecordOf, type StoredPrompt } from '../lib/prompt.ts';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export function request(ctx: Context<QueryConversationTurnsArgs>): DynamoDBQueryRequest {
  const caller = callerOf(ctx);
  const limit = pageSize(ctx.args.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const after = ctx.args.nextToken;
  if (after !== null && after !== undefined && !isSeqCursor(after)) {
    validationError('nextToken', 'invalid', 'nextToken is not one this API gave you. Start again without it.');
  }
  const key = { ':key': { S: conversationKey(caller.userId, ctx.args.conversationId) } };
  return {
    operation: 'Query',
    index: TURNS_INDEX,
    query: after
      ? { expression: 'conversationKey = :key AND seq < :after', expressionValues: { ...key, ':after': { N: Number(after) } } }
      : { expression: 'conversationKey = :key', expressionValues: key },
    scanIndexForward: false,
    limit,
  };
}

export function response(ctx: Context<QueryConversationTurnsArgs>): TurnPage {
  if (ctx.error) dataSourceError('conversationTurns', ctx.error);
  const page = ctx.result as { items: StoredPrompt[]; nextToken: string | null };
  const items = page.items.map(promptRecordOf);
  const last = items.length > 0 ? items[items.length - 1] : null;
  return { items, nextToken: page.nextToken && last && last.seq ? String(last.seq) : null };
}
