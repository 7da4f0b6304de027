// A sidebar list drawn from a ListSource (./side-list.ts): a heading, its entries newest first as
// buttons that open them, "Show older" while there are more pages, and per-entry actions (delete,
// rename) that change the list through the same reducer. The history uses it today; the
// conversation list will (issue 16).
import { useCallback, useEffect, useId, useReducer, type Dispatch, type ReactNode } from 'react';
import { emptyList, listReducer, type ListAction, type ListSource } from './side-list.ts';

export interface EntryText {
  label: string;
  /** ISO time, shown in the reader's time zone. */
  time: string;
  timeText: string;
  detail: string;
}

export function SideList<T extends { id: string }>(props: {
  title: string;
  className: string;
  source: ListSource<T>;
  /** The first page is loaded again whenever this changes (after a prompt was answered, say). */
  version: number;
  empty: string;
  entry(item: T): EntryText;
  onOpen(item: T): void;
  /** The message to show for a failed load (and anything else the page does about it). */
  onError(error: unknown): string;
  actions?(item: T, dispatch: Dispatch<ListAction<T>>): ReactNode;
}) {
  const { source, version, onError } = props;
  const [state, dispatch] = useReducer(listReducer<T>, emptyList<T>());
  const title = useId();

  const load = useCallback(
    async (from: string | null) => {
      try {
        dispatch({ type: 'page', page: await source.load(from), more: from !== null });
      } catch (error) {
        dispatch({ type: 'failed', message: onError(error) });
      }
    },
    [source, onError],
  );

  useEffect(() => {
    void load(null);
  }, [load, version]);

  const { items, nextToken, problem } = state;
  return (
    <section className={`side-list ${props.className}`} aria-labelledby={title}>
      <h2 id={title}>{props.title}</h2>
      {items === null && !problem && <p className="hint">Loading…</p>}
      {items?.length === 0 && <p className="hint">{props.empty}</p>}
      {items && items.length > 0 && (
        <ul>
          {items.map((item) => {
            const text = props.entry(item);
            return (
              <li key={item.id}>
                <button type="button" className="side-list-open" onClick={() => props.onOpen(item)}>
                  <span className="side-list-label">{text.label}</span>
                  <span className="side-list-meta">
                    <time dateTime={text.time}>{text.timeText}</time>
                    {text.detail ? ` · ${text.detail}` : ''}
                  </span>
                </button>
                {props.actions?.(item, dispatch)}
              </li>
            );
          })}
        </ul>
      )}
      {nextToken && (
        <button type="button" className="small" onClick={() => void load(nextToken)}>
          Show older
        </button>
      )}
      {problem && <p className="form-error">{problem}</p>}
    </section>
  );
}
