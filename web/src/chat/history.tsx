// Earlier prompts from myPrompts, newest first, a page at a time; choosing one shows it in the
// conversation, Delete removes it (deletePrompt) after a second click to confirm. A SideList fed
// from myPrompts: the conversation list (issue 16) will be another SideList, fed from its own
// list query, with rename and delete as its actions.
import { useCallback, useEffect, useMemo, useState, type Dispatch } from 'react';
import { problemOf, type Problem } from '../problem.ts';
import type { Session } from '../session.ts';
import { localTime } from '../time.ts';
import type { ListAction, ListSource } from './side-list.ts';
import { SideList } from './side-list-view.tsx';
import type { HistoryRecord } from './turns.ts';

const PAGE = 20;

/** myPrompts as a sidebar list's pages. */
export function promptHistory(session: Session): ListSource<HistoryRecord> {
  return {
    async load(nextToken) {
      const page = await session.clientFor().myPrompts(PAGE, nextToken ?? undefined);
      return { items: page.items, nextToken: page.nextToken ?? null };
    },
  };
}

const statusText = (status: HistoryRecord['status']) => (status === 'COMPLETED' ? '' : status.toLowerCase().replace('_', ' '));

/** Delete, then "Delete?" to confirm (for a few seconds): one stray click deletes nothing. */
function DeleteButton({ label, onDelete }: { label: string; onDelete(): Promise<void> }) {
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
      aria-label={state === 'confirming' ? `Confirm: delete “${label}”` : `Delete “${label}”`}
      disabled={state === 'deleting'}
      onClick={click}
      onBlur={() => setState((s) => (s === 'confirming' ? 'idle' : s))}
    >
      {state === 'confirming' ? 'Delete?' : 'Delete'}
    </button>
  );
}

export function History(props: {
  session: Session;
  version: number;
  onShow(record: HistoryRecord): void;
  /** The prompt was deleted: the conversation drops it too. */
  onDeleted(id: string): void;
  modelName(id: string): string;
  onProblem(p: Problem): void;
}) {
  const { session, onProblem, modelName } = props;
  const source = useMemo(() => promptHistory(session), [session]);
  const onError = useCallback(
    (error: unknown) => {
      const p = problemOf(error);
      onProblem(p);
      return p.message;
    },
    [onProblem],
  );
  return (
    <SideList
      title="History"
      className="history"
      source={source}
      version={props.version}
      empty="Your prompts will be listed here."
      entry={(item) => ({
        label: item.prompt,
        time: item.createdAt,
        timeText: localTime(item.createdAt),
        detail: [modelName(item.model), statusText(item.status)].filter(Boolean).join(' · '),
      })}
      onOpen={props.onShow}
      onError={onError}
      actions={(item, dispatch: Dispatch<ListAction<HistoryRecord>>) => (
        <DeleteButton
          label={item.prompt.length > 40 ? `${item.prompt.slice(0, 40)}…` : item.prompt}
          onDelete={async () => {
            try {
              await session.clientFor().deletePrompt(item.id);
              dispatch({ type: 'remove', id: item.id });
              props.onDeleted(item.id);
            } catch (error) {
              const p = problemOf(error);
              // Already gone (deleted from another tab): the list catches up.
              if (p.errorType === 'NotFound') {
                dispatch({ type: 'remove', id: item.id });
                props.onDeleted(item.id);
              } else dispatch({ type: 'failed', message: onError(error) });
            }
          }}
        />
      )}
    />
  );
}
