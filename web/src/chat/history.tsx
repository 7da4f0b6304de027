// Earlier prompts from myPrompts, newest first, a page at a time; choosing one shows it in the
// conversation. A SideList fed from myPrompts: the conversation list (issue 16) will be another
// SideList, fed from its own list query, with rename and delete as its actions.
import { useCallback, useMemo } from 'react';
import { problemOf, type Problem } from '../problem.ts';
import type { Session } from '../session.ts';
import { localTime } from '../time.ts';
import type { ListSource } from './side-list.ts';
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

export function History(props: { session: Session; version: number; onShow(record: HistoryRecord): void; modelName(id: string): string; onProblem(p: Problem): void }) {
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
    />
  );
}
