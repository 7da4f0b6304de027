// The conversation list: myConversations, most recently active first, a page at a time; each
// entry opens its conversation, and can be renamed inline (1 to 200 characters, as
// renameConversation allows; the API's refusal shows next to the field) or deleted after a second
// click to confirm (deleteConversation). The chat view owns the list's state (useSideList), so a
// conversation it starts goes to the top at once.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { MyConversationsQuery } from '../../../client/index.ts';
import { problemOf, type Problem } from '../problem.ts';
import type { Session } from '../session.ts';
import { sinceLocal, useNow } from '../time.ts';
import { focusAfterDelete, type ListSource } from './side-list.ts';
import { DeleteButton, shortLabel, SideList, type SideListModel } from './side-list-view.tsx';

export type Conversation = MyConversationsQuery['myConversations']['items'][number];

const PAGE = 20;
/** renameConversation's bounds, in code points of the trimmed title (resolvers/lib/conversation.ts MAX_TITLE_CHARS). */
export const TITLE_MAX_CHARS = 200;

/** myConversations as a sidebar list's pages. */
export function conversationList(session: Session, pageSize = PAGE): ListSource<Conversation> {
  return {
    async load(nextToken) {
      const page = await session.clientFor().myConversations(pageSize, nextToken ?? undefined);
      return { items: page.items, nextToken: page.nextToken ?? null };
    },
  };
}

/** Why a title cannot be saved, or '' when it can. */
export function checkTitle(title: string): string {
  const length = [...title.trim()].length;
  if (length === 0) return 'A title needs at least one character.';
  if (length > TITLE_MAX_CHARS) return `A title has at most ${TITLE_MAX_CHARS} characters; this one has ${length.toLocaleString()}.`;
  return '';
}

const turnsText = (n: number) => `${n.toLocaleString()} ${n === 1 ? 'turn' : 'turns'}`;

export function ConversationList(props: {
  session: Session;
  list: SideListModel<Conversation>;
  current: string | null;
  onOpen(c: Conversation): void;
  /** A conversation was deleted (the chat leaves it when it was open); `neighbour` is the entry the focus should go to. */
  onDeleted(id: string, neighbour: string | null): void;
  onProblem(p: Problem): void;
}) {
  const { session, list, onProblem } = props;
  const [renaming, setRenaming] = useState<string | null>(null);
  // A rename saved or cancelled gives the focus back to its entry's Rename button.
  const [refocus, setRefocus] = useState<string | null>(null);
  const section = useRef<HTMLDivElement>(null);
  // "5 min ago" moves on while the page is open.
  const now = useNow(60_000);
  useEffect(() => {
    if (!refocus) return;
    section.current?.querySelector<HTMLElement>(`[data-rename="${CSS.escape(refocus)}"]`)?.focus();
    setRefocus(null);
  }, [refocus]);
  const endRename = (id: string) => {
    setRenaming(null);
    setRefocus(id);
  };
  return (
    <div ref={section} className="conversations-box">
      <SideList
        title="Conversations"
        className="conversations"
        list={list}
        current={props.current}
        empty="Your conversations will be listed here."
        entry={(c) => {
          const since = sinceLocal(c.lastActiveAt, { now });
          return { label: c.title, time: c.lastActiveAt, timeText: since.text, timeTitle: since.full, detail: turnsText(c.turns) };
        }}
        onOpen={props.onOpen}
        editor={(c) =>
          renaming === c.id ? (
            <Rename
              session={session}
              conversation={c}
              onSaved={(renamed) => {
                list.dispatch({ type: 'update', item: renamed });
                endRename(c.id);
              }}
              onCancel={() => endRename(c.id)}
              onProblem={onProblem}
            />
          ) : null
        }
        actions={(c, dispatch) => (
          <>
            <button type="button" className="side-list-action" data-rename={c.id} aria-label={`Rename conversation “${shortLabel(c.title)}”`} onClick={() => setRenaming(c.id)}>
              Rename
            </button>
            <DeleteButton
              label={shortLabel(c.title)}
              what="conversation"
              onDelete={async () => {
                try {
                  await session.clientFor().deleteConversation(c.id);
                } catch (error) {
                  const p = problemOf(error);
                  // Already gone (deleted from another tab): the list catches up.
                  if (p.errorType !== 'NotFound') {
                    onProblem(p);
                    dispatch({ type: 'failed', message: p.message });
                    return;
                  }
                }
                const neighbour = focusAfterDelete((list.state.items ?? []).map((i) => i.id), c.id);
                dispatch({ type: 'remove', id: c.id });
                props.onDeleted(c.id, neighbour);
              }}
            />
          </>
        )}
      />
    </div>
  );
}

/** The inline rename: Enter (or Save) saves, Esc (or Cancel) leaves the title as it was. */
function Rename(props: { session: Session; conversation: Conversation; onSaved(c: Conversation): void; onCancel(): void; onProblem(p: Problem): void }) {
  const { conversation } = props;
  const [title, setTitle] = useState(conversation.title);
  const [error, setError] = useState('');
  const [saving, setSaving] = useState(false);
  const ids = { input: useId(), error: useId() };
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const problem = checkTitle(title);
    if (problem) {
      setError(problem);
      input.current?.focus();
      return;
    }
    setSaving(true);
    try {
      props.onSaved(await props.session.clientFor().renameConversation(conversation.id, title.trim()));
    } catch (e) {
      const p = problemOf(e);
      props.onProblem(p);
      setError(p.message);
      setSaving(false);
      input.current?.focus();
    }
  };

  return (
    <form
      className="rename"
      onSubmit={(e) => void save(e)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          props.onCancel();
        }
      }}
    >
      <label htmlFor={ids.input} className="visually-hidden">
        New title for “{shortLabel(conversation.title)}”
      </label>
      <input
        ref={input}
        id={ids.input}
        name="title"
        value={title}
        maxLength={TITLE_MAX_CHARS * 2}
        onChange={(e) => {
          setTitle(e.target.value);
          setError('');
        }}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? ids.error : undefined}
        disabled={saving}
      />
      <div className="rename-actions">
        <button type="submit" className="small primary" disabled={saving}>
          Save
        </button>
        <button type="button" className="small" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      {error && (
        <p id={ids.error} className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
