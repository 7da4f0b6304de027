// Query.conversationTurns: readConversation (the caller's, not deleted) → readTurns (one Query of
// the Prompts table's ByConversation index, newest first). The after step returns the page.
import type { Context } from '@aws-appsync/utils';
import type { QueryConversationTurnsArgs, TurnPage } from '../../generated/graphql.ts';

export function request(_ctx: Context<QueryConversationTurnsArgs>): Record<string, never> {
  return {};
}

export function response(ctx: Context<QueryConversationTurnsArgs>): TurnPage {
  return ctx.prev.result as TurnPage;
}
