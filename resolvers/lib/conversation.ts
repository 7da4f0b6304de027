// Conversations: their keys, ids, titles and cursors, shared by sendPrompt's conversation steps
// and the conversation resolvers. A conversation's header lives in the Conversations table under
// (userId, id), so another user's id is simply not there; its turns are prompt log records that
// carry `conversationKey` (`<userId>#<conversation id>`) and `seq`, the Prompts table's
// ByConversation index (README, "Conversations").
import { util } from '@aws-appsync/utils';
import type { Conversation } from '../../generated/graphql.ts';
import { ErrorType } from './errors.ts';
import { isPromptId } from './ids.ts';

/** Where the Conversations table's ByActivity index and the Prompts table's ByConversation index are. */
export const ACTIVITY_INDEX = 'ByActivity';
export const TURNS_INDEX = 'ByConversation';

/** The longest title, in code points: one made from a first prompt is cut there, a rename refused past it. */
export const MAX_TITLE_CHARS = 200;
/** A title made from a first prompt keeps this many code points of its first line. */
const DERIVED_TITLE_CHARS = 80;

export const CONVERSATION_NOT_FOUND = 'No conversation with that id belongs to you.';

/** A conversation header as the Conversations table holds it. */
export interface StoredConversation {
  userId: string;
  id: string;
  title: string;
  turns: number;
  createdAt: string;
  lastActiveAt: string;
  deleted?: boolean;
}

/** The ByPurge index's one partition: deletions are rare, and the reconciler reads them in order. */
export const PURGE_PARTITION = 'due';

/** A header as the API shows it. */
export function conversationOf(item: StoredConversation): Conversation {
  return { id: item.id, title: item.title, turns: item.turns, lastActiveAt: item.lastActiveAt, createdAt: item.createdAt };
}

/** Conversation ids are ULIDs, as prompt ids are; anything else names no conversation. */
export function isConversationId(value: string): boolean {
  return isPromptId(value);
}

export function notFound(): never {
  return util.error(CONVERSATION_NOT_FOUND, ErrorType.NotFound);
}

/** The ByConversation index's partition key of a turn: the owner is part of it. */
export function conversationKey(userId: string, conversationId: string): string {
  return userId + '#' + conversationId;
}

/** The ByActivity index's sort key: when it was last active, then its id (unique, so a cursor). */
export function activityOf(lastActiveAt: string, id: string): string {
  return lastActiveAt + '#' + id;
}

/** A cursor for myConversations is the last item's activity key: a time and a conversation id. */
export function isActivityCursor(value: string): boolean {
  return value.length === 51 && util.matches('^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z#[0-9A-HJKMNP-TV-Z]{26}$', value);
}

/** A cursor for conversationTurns is the last turn's seq. */
export function isSeqCursor(value: string): boolean {
  return value.length > 0 && value.length <= 9 && util.matches('^[1-9][0-9]*$', value);
}

/**
 * A title from a first prompt: its first line, blanks collapsed, at most 80 code points, without
 * the Markdown marks a list would show literally (a title is plain text everywhere it is shown):
 * backticks, runs of two or more `*` or `_` (emphasis; a single one stays: `2*3`, `snake_case`),
 * and heading or quote marks (`#`, `>`) before the first word.
 */
export function titleFrom(prompt: string): string {
  let title = '';
  let count = 0;
  let blank = false;
  let ended = false;
  for (const ch of plainOf(prompt)) {
    if (ended) break;
    if (ch === '\n' || ch === '\r') {
      ended = title !== '';
    } else if (ch === ' ' || ch === '\t') {
      blank = title !== '';
    } else if (count >= DERIVED_TITLE_CHARS) {
      return title + '…';
    } else {
      if (blank) {
        title = title + ' ';
        count = count + 1;
        blank = false;
      }
      title = title + ch;
      count = count + 1;
    }
  }
  return title === '' ? 'Conversation' : title;
}

/** The text without Markdown's emphasis, code and leading heading/quote marks (see titleFrom). */
function plainOf(text: string): string {
  let plain = '';
  let run = '';
  let started = false;
  for (const ch of text) {
    if (ch === '*' || ch === '_') {
      run = run + ch;
    } else {
      if (run.length === 1) plain = plain + run;
      run = '';
      const mark = ch === '`' || (!started && (ch === '#' || ch === '>'));
      if (!mark) {
        plain = plain + ch;
        if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') started = true;
      }
    }
  }
  return run.length === 1 ? plain + run : plain;
}

/** The page size of a list, checked: `limit` from 1 to max, default when absent. */
export function pageSize(limit: number | null | undefined, fallback: number, max: number): number {
  const size = limit ?? fallback;
  if (size < 1 || size > max) {
    util.error(`limit must be from 1 to ${max}. Received: ${size}`, ErrorType.Validation, null, { field: 'limit', reason: 'outOfRange' });
  }
  return size;
}
