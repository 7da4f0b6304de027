// A list in the chat's sidebar, fed from a paged list query (a `{ items, nextToken }` page, as
// myPrompts and myConversations answer): the prompt history and the conversation list. A pure reducer, so paging, adding, renaming and deleting are tested without a
// browser; ./side-list-view.tsx draws it.

export interface ListPage<T> {
  items: T[];
  nextToken: string | null;
}

/** Where a list's pages come from: `load(null)` is the first page, `load(nextToken)` the next. */
export interface ListSource<T> {
  load(nextToken: string | null): Promise<ListPage<T>>;
}

export interface ListState<T extends { id: string }> {
  /** null until the first page came. */
  items: T[] | null;
  nextToken: string | null;
  problem: string;
}

export type ListAction<T extends { id: string }> =
  /** A page arrived: the first page replaces the list, a later one (`more`) is appended. */
  | { type: 'page'; page: ListPage<T>; more: boolean }
  | { type: 'failed'; message: string }
  /** An item made or just active on this page (a new conversation, one a prompt went into): it goes first, once. */
  | { type: 'upsert'; item: T }
  /** An item changed where it is (a rename): it keeps its place. */
  | { type: 'update'; item: T }
  | { type: 'remove'; id: string };

/**
 * Where the focus goes when the entry `id` is deleted from a list showing `ids`: the entry that
 * takes its place (the next), else the one before it, else nowhere in the list (null).
 */
export function focusAfterDelete(ids: readonly string[], id: string): string | null {
  const at = ids.indexOf(id);
  if (at < 0) return null;
  return ids[at + 1] ?? ids[at - 1] ?? null;
}

export const emptyList = <T extends { id: string }>(): ListState<T> => ({ items: null, nextToken: null, problem: '' });

export function listReducer<T extends { id: string }>(state: ListState<T>, action: ListAction<T>): ListState<T> {
  switch (action.type) {
    case 'page': {
      const before = action.more ? (state.items ?? []) : [];
      // An item on two pages (the list moved between loads) is shown once, where it was first.
      const seen = new Set(before.map((i) => i.id));
      const items = [...before, ...action.page.items.filter((i) => !seen.has(i.id))];
      return { items, nextToken: action.page.nextToken, problem: '' };
    }
    case 'failed':
      return { ...state, problem: action.message };
    case 'upsert':
      return { ...state, items: [action.item, ...(state.items ?? []).filter((i) => i.id !== action.item.id)] };
    case 'update':
      return { ...state, items: state.items && state.items.map((i) => (i.id === action.item.id ? action.item : i)) };
    case 'remove':
      return { ...state, items: state.items && state.items.filter((i) => i.id !== action.id) };
  }
}
