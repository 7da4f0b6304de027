// A sidebar list drawn from a ListSource (./side-list.ts): a heading, its entries newest first as
// buttons that open them, "Show older" while there are more pages, and per-entry actions (delete,
// rename) that change the list through the same reducer. The conversation list and the prompt
// history use it; useSideList keeps the state where the page can reach it (a conversation the
// chat just started goes to the top of the list at once).
import { useCallback, useEffect, useId, useReducer, useRef, useState, type Dispatch, type ReactNode, type RefObject } from 'react';
import { emptyList, listReducer, type ListAction, type ListSource, type ListState } from './side-list.ts';

export interface EntryText {
  label: string;
  /** ISO time, shown in the reader's time zone. */
  time: string;
  timeText: string;
  /** The whole local date and time, when timeText says less ("5 min ago"). */
  timeTitle?: string;
  detail: string;
}

export interface SideListModel<T extends { id: string }> {
  state: ListState<T>;
  dispatch: Dispatch<ListAction<T>>;
  /** Loads the first page (null) or the page after nextToken. */
  load(from: string | null): Promise<void>;
}

/**
 * A list's state, loaded from `source`: the first page now and again whenever `version` changes
 * (after a prompt was answered, say); `onError` gives the message for a failed load.
 */
export function useSideList<T extends { id: string }>(source: ListSource<T>, version: number, onError: (error: unknown) => string): SideListModel<T> {
  const [state, dispatch] = useReducer(listReducer<T>, emptyList<T>());
  const load = useCallback(
    async (from: string | null) => {
      try {
        dispatch({ type: 'page', page: await source.load(from), more: from !== null });
      } catch (error) {
        dispatch({ type: 'failed', message: onError(error) });
      }
    },
    [source, onError]
  );
  useEffect(() => {
    void load(null);
  }, [load, version]);
  return { state, dispatch, load };
}

/**
 * Calls `onVisible` when `target` scrolls into view (and at once if it is in view), while `active`:
 * a list's end loads the next page as the reader scrolls to it, without a click. The button stays
 * the way for keyboards and screen readers.
 */
export function useWhenVisible(target: RefObject<Element | null>, active: boolean, onVisible: () => void): void {
  const latest = useRef(onVisible);
  latest.current = onVisible;
  useEffect(() => {
    const element = target.current;
    if (!active || !element || typeof IntersectionObserver === 'undefined') return;
    // A margin below the end: the next page is asked for a little before the reader gets there.
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) latest.current();
    }, { rootMargin: '0px 0px 120px 0px' });
    observer.observe(element);
    return () => observer.disconnect();
  }, [target, active]);
}

export function SideList<T extends { id: string }>(props: {
  title: string;
  className: string;
  list: SideListModel<T>;
  empty: string;
  entry(item: T): EntryText;
  onOpen(item: T): void;
  /** The entry shown now (marked for the eye and for screen readers). */
  current?: string | null;
  /** What takes an entry's place while it is being edited (an inline rename), or null. */
  editor?(item: T): ReactNode | null;
  actions?(item: T, dispatch: Dispatch<ListAction<T>>): ReactNode;
  /** Shown beside the heading (a "New conversation" button). */
  headingExtra?: ReactNode;
}) {
  const { list } = props;
  const { items, nextToken, problem } = list.state;
  const title = useId();
  const [loadingMore, setLoadingMore] = useState(false);
  const more = () => {
    if (!nextToken || loadingMore) return;
    setLoadingMore(true);
    void list.load(nextToken).finally(() => setLoadingMore(false));
  };
  const end = useRef<HTMLButtonElement>(null);
  // After a failed page, only the button asks again (no loop of failing loads).
  useWhenVisible(end, nextToken !== null && !loadingMore && !problem, more);
  return (
    <section className={`side-list ${props.className}`} aria-labelledby={title}>
      <div className="side-list-head">
        <h2 id={title}>{props.title}</h2>
        {props.headingExtra}
      </div>
      {items === null && !problem && <p className="hint">Loading…</p>}
      {items?.length === 0 && <p className="hint">{props.empty}</p>}
      {items && items.length > 0 && (
        <ul>
          {items.map((item) => {
            const editor = props.editor?.(item) ?? null;
            if (editor) return <li key={item.id}>{editor}</li>;
            const text = props.entry(item);
            const current = props.current === item.id;
            return (
              <li key={item.id} className={current ? 'current' : undefined}>
                <button type="button" className="side-list-open" data-entry={item.id} onClick={() => props.onOpen(item)} aria-current={current ? 'true' : undefined}>
                  <span className="side-list-label">{text.label}</span>
                  <span className="side-list-meta">
                    <time dateTime={text.time} title={text.timeTitle}>
                      {text.timeText}
                    </time>
                    {text.detail ? ` · ${text.detail}` : ''}
                  </span>
                </button>
                {props.actions?.(item, list.dispatch)}
              </li>
            );
          })}
        </ul>
      )}
      {nextToken && (
        <button ref={end} type="button" className="small" onClick={more} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Show older'}
        </button>
      )}
      {problem && <p className="form-error">{problem}</p>}
    </section>
  );
}

/**
 * Delete, then "Delete?" to confirm (for a few seconds): one stray click deletes nothing. `what`
 * ("conversation") tells it apart from another list's Delete for the same text.
 */
export function DeleteButton({ label, what, onDelete }: { label: string; what?: string; onDelete(): Promise<void> }) {
  const thing = what ? `${what} ` : '';
  const [state, setState] = useState<'idle' | 'confirming' | 'deleting'>('idle');
  useEffect(() => {
    if (state !== 'confirming') return;
    const timer = setTimeout(() => setState('idle'), 4000);
    return () => clearTimeout(timer);
  }, [state]);
  const click = () => {
    if (state === 'idle') return setState('confirming');
    if (state !== 'confirming') return;
    setState('deleting');
    onDelete().finally(() => setState('idle'));
  };
  return (
    <button
      type="button"
      className={`side-list-action${state === 'confirming' ? ' confirming' : ''}`}
      aria-label={state === 'confirming' ? `Confirm: delete ${thing}“${label}”` : `Delete ${thing}“${label}”`}
      disabled={state === 'deleting'}
      onClick={click}
      onBlur={() => setState((s) => (s === 'confirming' ? 'idle' : s))}
    >
      {state === 'confirming' ? 'Delete?' : 'Delete'}
    </button>
  );
}

/** A label short enough for a button's accessible name. */
export const shortLabel = (text: string, max = 40) => (text.length > max ? `${text.slice(0, max)}…` : text);
