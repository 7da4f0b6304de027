// Earlier prompts from myPrompts, newest first, a page at a time; choosing one shows it in the
// conversation. (Conversations, issue 16, will list conversations here instead.)
import { useCallback, useEffect, useId, useState } from 'react';
import { problemOf, type Problem } from '../problem.ts';
import type { Session } from '../session.ts';
import { localTime } from '../time.ts';
import type { HistoryRecord } from './turns.ts';

const PAGE = 20;

export function History(props: { session: Session; version: number; onShow(record: HistoryRecord): void; modelName(id: string): string; onProblem(p: Problem): void }) {
  const { session, version, onProblem } = props;
  const [items, setItems] = useState<HistoryRecord[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState('');
  const title = useId();

  const load = useCallback(
    async (from: string | null) => {
      try {
        const page = await session.clientFor().myPrompts(PAGE, from ?? undefined);
        setItems((old) => (from && old ? [...old, ...page.items] : page.items));
        setNext(page.nextToken ?? null);
        setProblem('');
      } catch (error) {
        const p = problemOf(error);
        onProblem(p);
        setProblem(p.message);
      }
    },
    [session, onProblem],
  );

  useEffect(() => {
    void load(null);
  }, [load, version]);

  return (
    <section className="history" aria-labelledby={title}>
      <h2 id={title}>History</h2>
      {items === null && !problem && <p className="hint">Loading…</p>}
      {items?.length === 0 && <p className="hint">Your prompts will be listed here.</p>}
      {items && items.length > 0 && (
        <ul>
          {items.map((item) => (
            <li key={item.id}>
              <button type="button" onClick={() => props.onShow(item)}>
                <span className="history-prompt">{item.prompt}</span>
                <span className="history-meta">
                  <time dateTime={item.createdAt}>{localTime(item.createdAt)}</time> · {props.modelName(item.model)}
                  {item.status !== 'COMPLETED' ? ` · ${item.status.toLowerCase().replace('_', ' ')}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {next && (
        <button type="button" className="small" onClick={() => void load(next)}>
          Show older
        </button>
      )}
      {problem && <p className="form-error">{problem}</p>}
    </section>
  );
}
