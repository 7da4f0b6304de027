// Earlier prompts from myPrompts, newest first, a page at a time; choosing one opens it (in its
// conversation), Delete removes it (deletePrompt) after a second click to confirm. A SideList fed
// from myPrompts, as the conversation list (./conversations.tsx) is one fed from myConversations.
import { useCallback, useMemo, type Dispatch } from 'react';
import { problemOf, type Problem } from '../problem.ts';
import type { Session } from '../session.ts';
import { localTime } from '../time.ts';
import type { ListAction, ListSource } from './side-list.ts';
import { DeleteButton, shortLabel, SideList, useSideList } from './side-list-view.tsx';
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
  const list = useSideList(source, props.version, onError);
  return (
    <SideList
      title="History"
      className="history"
      list={list}
      empty="Your prompts will be listed here."
      entry={(item) => ({
        label: item.prompt,
        time: item.createdAt,
        timeText: localTime(item.createdAt),
        detail: [modelName(item.model), statusText(item.status)].filter(Boolean).join(' · '),
      })}
      onOpen={props.onShow}
      actions={(item, dispatch: Dispatch<ListAction<HistoryRecord>>) => (
        <DeleteButton
          label={shortLabel(item.prompt)}
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
