// The chat: the open conversation with its composer, and beside it today's usage, the
// conversation list and the prompt history (a drawer on narrow screens). Prompts go through an
// AnswerSource (./source.ts): streamed as the model writes them, or whole where the real-time
// endpoint cannot be reached; this view does not tell them apart. A prompt goes into the open
// conversation (the model reads its earlier turns); the first prompt of a new one starts it, and
// the view adopts the conversation the API made.
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { ModelsQuery, MyUsageQuery, PromptOptions } from '../../../client/index.ts';
import { problemOf, type Problem } from '../problem.ts';
import type { Route } from '../route.ts';
import type { Session } from '../session.ts';
import { Composer, type ComposerValue } from './composer.tsx';
import { conversationList, ConversationList, type Conversation } from './conversations.tsx';
import { History } from './history.tsx';
import { useSideList, useWhenVisible } from './side-list-view.tsx';
import { chooseSource, isAbort, type FinishedAnswer } from './source.ts';
import { TurnView } from './turn-view.tsx';
import { turnsReducer, type HistoryRecord } from './turns.ts';
import { UsageMeter } from './usage-meter.tsx';

export type Usage = MyUsageQuery['myUsage'];
export type Model = ModelsQuery['models'][number];

/** Why Send is off for the day, and until when: from QuotaExceeded, or from a usage with nothing left. */
export interface Exhausted {
  kind: 'requests' | 'tokens';
  limit: number;
  resetsAt: string;
}

function exhaustedFrom(usage: Usage | null): Exhausted | null {
  if (!usage) return null;
  if (usage.balance <= 0) return { kind: 'requests', limit: usage.limit, resetsAt: usage.resetsAt };
  if (usage.inputTokens + usage.outputTokens >= usage.tokenLimit) return { kind: 'tokens', limit: usage.tokenLimit, resetsAt: usage.resetsAt };
  return null;
}

/**
 * The day's usage after an answer ended, from what its end reported (prompts used and left, and
 * its tokens): no need to read myUsage again. Null when that is not enough — no usage read yet,
 * or the day has turned since it was read — and myUsage must be read.
 */
export function usageAfter(usage: Usage | null, answer: FinishedAnswer, now = Date.now()): Usage | null {
  if (!usage || Date.parse(usage.resetsAt) <= now) return null;
  return {
    ...usage,
    queries: answer.queries,
    balance: answer.balance,
    inputTokens: usage.inputTokens + answer.usage.inputTokens,
    outputTokens: usage.outputTokens + answer.usage.outputTokens,
  };
}

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
/** Turns read per page when a conversation opens, and per "Load earlier turns". */
const TURNS_PAGE = 20;
const DRAWER = 'chat-lists';
const NEW_CONVERSATION = 'new-conversation';

interface OpenConversation {
  id: string | null;
  title: string;
  earlier: string | null;
  loading: boolean;
  missing: boolean;
}
const NEW: OpenConversation = { id: null, title: '', earlier: null, loading: false, missing: false };

export function ChatView({ session, conversationId, go }: { session: Session; conversationId: string | null; go(route: Route, how?: 'push' | 'replace'): void }) {
  const [turns, dispatch] = useReducer(turnsReducer, []);
  const [usage, setUsage] = useState<Usage | null>(null);
  const usageNow = useRef(usage);
  usageNow.current = usage;
  const [models, setModels] = useState<Model[]>([]);
  const [quotaProblem, setQuotaProblem] = useState<Exhausted | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [historyVersion, setHistoryVersion] = useState(0);
  /** The open conversation (null: a new one, started by the next prompt) and what is known of it. */
  // `missing`: the URL named a conversation the API does not have for this person (deleted, or not theirs).
  const [open, setOpen] = useState<OpenConversation>(NEW);
  /** The conversation the view shows or is opening (null: a new one), as the URL should name it; undefined before the first. */
  const shown = useRef<string | null | undefined>(undefined);
  const [drawer, setDrawer] = useState(false);
  const [focusPrompt, setFocusPrompt] = useState(0);
  /** Counts the conversations opened: an answer or a page that arrives for an earlier one is not applied. */
  const epoch = useRef(0);
  const pending = useRef<{ key: string; controller: AbortController } | null>(null);
  const [busy, setBusy] = useState(false);
  const source = useMemo(() => chooseSource(session), [session]);
  useEffect(() => () => source.close(), [source]);
  const turnsBox = useRef<HTMLDivElement>(null);
  const endRef = useRef<HTMLDivElement>(null);
  const drawerToggle = useRef<HTMLButtonElement>(null);
  const drawerBox = useRef<HTMLDivElement>(null);

  const handle = useCallback(
    (problem: Problem) => {
      if (problem.signedOut) session.signOut();
      if (problem.exhausted) setQuotaProblem(problem.exhausted);
    },
    [session]
  );
  const listError = useCallback(
    (error: unknown) => {
      const p = problemOf(error);
      handle(p);
      return p.message;
    },
    [handle]
  );
  const conversations = useSideList(
    useMemo(() => conversationList(session), [session]),
    0, // loaded once; what this page changes goes in by itself (upsert, remove)
    listError
  );
  const upsertConversation = conversations.dispatch;

  const refreshUsage = useCallback(async () => {
    try {
      const u = await session.clientFor().myUsage();
      setUsage(u);
      // A new day, or limits raised by the operator, lift an exhausted state.
      if (!exhaustedFrom(u)) setQuotaProblem((q) => (q && Date.parse(q.resetsAt) <= Date.now() ? null : q));
    } catch (error) {
      const p = problemOf(error);
      handle(p);
      setLoadProblem(p);
    }
  }, [session, handle]);

  useEffect(() => {
    void refreshUsage();
    session
      .clientFor()
      .models()
      .then(setModels, (error: unknown) => {
        const p = problemOf(error);
        handle(p);
        setLoadProblem(p);
      });
  }, [session, refreshUsage, handle]);

  // The quota comes back at resetsAt: look again then.
  const exhausted = quotaProblem ?? exhaustedFrom(usage);
  useEffect(() => {
    if (!exhausted) return;
    const ms = Date.parse(exhausted.resetsAt) - Date.now();
    if (!Number.isFinite(ms) || ms > 2 ** 31 - 1) return;
    const timer = setTimeout(() => {
      setQuotaProblem(null);
      void refreshUsage();
    }, Math.max(0, ms) + 1000);
    return () => clearTimeout(timer);
  }, [exhausted, refreshUsage]);

  /** Reads a conversation's header and puts it first in the list (it was just active, or renamed elsewhere). */
  const refreshConversation = useCallback(
    async (id: string) => {
      try {
        upsertConversation({ type: 'upsert', item: await session.clientFor().conversation(id) });
      } catch {
        // The next load of the list shows it as it is.
      }
    },
    [session, upsertConversation]
  );

  const run = useCallback(
    async (key: string, prompt: string, options: PromptOptions, idempotencyKey: string, conversationId: string | null) => {
      const controller = new AbortController();
      const sentFrom = epoch.current;
      pending.current = { key, controller };
      setBusy(true);
      let counted = false;
      try {
        for await (const event of source.ask({ prompt, options, idempotencyKey, conversationId }, controller.signal)) {
          if (controller.signal.aborted) break;
          dispatch({ type: 'event', key, event });
          if (event.kind === 'admitted' && event.conversationId) {
            // The conversation the prompt went into: a new one is adopted by the view it was sent from.
            if (epoch.current === sentFrom && shown.current !== event.conversationId) {
              // The same place under its name: no new history entry, and nothing reloads.
              shown.current = event.conversationId;
              setOpen((o) => ({ ...o, id: event.conversationId, title: '', missing: false }));
              go({ view: 'chat', conversationId: event.conversationId }, 'replace');
            }
            void refreshConversation(event.conversationId);
          }
          if (event.kind === 'done') {
            const next = usageAfter(usageNow.current, event.answer);
            counted = next !== null;
            if (next) setUsage(next);
          }
        }
      } catch (error) {
        if (!isAbort(error, controller.signal)) {
          const problem = problemOf(error);
          handle(problem);
          dispatch({ type: 'fail', key, problem });
        }
      } finally {
        if (pending.current?.key === key) pending.current = null;
        setBusy(false);
        setHistoryVersion((v) => v + 1);
        // Failed, stopped or refused prompts may be charged or refunded later: the log knows.
        if (!counted) void refreshUsage();
      }
    },
    [source, handle, refreshUsage, refreshConversation, go]
  );

  const send = (value: ComposerValue) => {
    const key = newKey();
    const idempotencyKey = newKey();
    dispatch({ type: 'send', key, prompt: value.prompt, options: value.options, idempotencyKey });
    void run(key, value.prompt, value.options, idempotencyKey, open.id);
  };

  const stop = useCallback(() => {
    const current = pending.current;
    if (!current) return;
    current.controller.abort();
    dispatch({ type: 'stop', key: current.key });
  }, []);

  const retry = (key: string) => {
    const turn = turns.find((t) => t.key === key);
    if (!turn || pending.current) return;
    dispatch({ type: 'retry', key });
    // The same idempotency key: if the API did run the first attempt, it answers with that result.
    void run(key, turn.prompt, turn.options, turn.idempotencyKey, open.id);
  };

  /** Leaves the open conversation: an answer still being written stops showing (it is still charged). */
  const leave = () => {
    stop();
    epoch.current += 1;
    setDrawer(false);
    setLoadProblem(null);
  };

  /** Shows a new conversation (the next prompt starts it). */
  const showNew = () => {
    leave();
    shown.current = null;
    dispatch({ type: 'open', records: [] });
    setOpen(NEW);
    setFocusPrompt((n) => n + 1);
  };
  const newConversation = (how: 'push' | 'replace' = 'push') => {
    showNew();
    go({ view: 'chat', conversationId: null }, how);
  };

  /**
   * Shows a conversation: its newest turns, oldest first ("Load earlier turns" reads the pages
   * before), and its title (read too when the list does not have it: opened from a link). One the
   * API does not know for this person shows as not found, and nothing else.
   */
  const showConversation = async (id: string, title = '') => {
    leave();
    shown.current = id;
    const mine = epoch.current;
    const known = title || conversations.state.items?.find((c) => c.id === id)?.title || '';
    dispatch({ type: 'open', records: [] });
    setOpen({ ...NEW, id, title: known, loading: true });
    try {
      const client = session.clientFor();
      const [page, header] = await Promise.all([client.conversationTurns(id, TURNS_PAGE), known ? null : client.conversation(id)]);
      if (epoch.current !== mine) return;
      dispatch({ type: 'open', records: [...page.items].reverse() });
      setOpen((o) => ({ ...o, title: header?.title ?? o.title, earlier: page.nextToken ?? null, loading: false }));
      setFocusPrompt((n) => n + 1);
    } catch (error) {
      if (epoch.current !== mine) return;
      const p = problemOf(error);
      handle(p);
      if (p.errorType === 'NotFound') {
        conversations.dispatch({ type: 'remove', id });
        // The next prompt starts a new conversation; the URL keeps naming what was not found until then.
        setOpen({ ...NEW, missing: true });
        return;
      }
      setOpen((o) => ({ ...o, loading: false }));
      setLoadProblem(p);
    }
  };
  const openConversation = (id: string, title?: string) => {
    void showConversation(id, title);
    go({ view: 'chat', conversationId: id });
  };

  // The URL changed without this view (Back, Forward, a link, a reload): show what it names.
  useEffect(() => {
    if (shown.current === conversationId) return;
    if (conversationId) void showConversation(conversationId);
    else if (shown.current === undefined) shown.current = null; // the page opened on a new conversation: nothing to do
    else showNew();
    // Only the URL decides here; the functions are this render's and read the state they need.
  }, [conversationId]);

  // Where the reader was stays in place when earlier turns are put above it.
  const keepScroll = useRef<number | null>(null);
  const loadEarlier = async () => {
    const { id, earlier } = open;
    if (!id || !earlier || open.loading) return;
    const mine = epoch.current;
    setOpen((o) => ({ ...o, loading: true }));
    try {
      const page = await session.clientFor().conversationTurns(id, TURNS_PAGE, earlier);
      if (epoch.current !== mine) return;
      const box = turnsBox.current;
      keepScroll.current = box ? box.scrollHeight - box.scrollTop : null;
      dispatch({ type: 'earlier', records: [...page.items].reverse() });
      setOpen((o) => ({ ...o, earlier: page.nextToken ?? null, loading: false }));
    } catch (error) {
      if (epoch.current !== mine) return;
      const p = problemOf(error);
      handle(p);
      setOpen((o) => ({ ...o, loading: false }));
      setLoadProblem(p);
    }
  };

  const showRecord = (record: HistoryRecord) => {
    if (record.conversationId) return openConversation(record.conversationId);
    // A prompt logged before conversations: shown alone; the next prompt starts a new conversation.
    leave();
    shown.current = null;
    setOpen(NEW);
    dispatch({ type: 'open', records: [record] });
    go({ view: 'chat', conversationId: null });
  };

  /**
   * The open conversation deleted: the view becomes a new conversation (the URL no longer names
   * the deleted one). Another deleted: the focus goes to the entry that took its place, else the
   * one before it, else New conversation.
   */
  const onConversationDeleted = (id: string, neighbour: string | null) => {
    if (id === shown.current) return newConversation('replace');
    const next = neighbour ? document.querySelector<HTMLElement>(`.conversations [data-entry="${CSS.escape(neighbour)}"]`) : null;
    if (next) return next.focus();
    setDrawer(false);
    document.getElementById(NEW_CONVERSATION)?.focus();
  };

  // The end of the conversation stays in view as it grows; not when earlier turns go above it.
  const last = turns[turns.length - 1];
  const lastShape = last ? `${last.key}:${last.text.length}:${last.state}` : '';
  useLayoutEffect(() => {
    const box = turnsBox.current;
    if (keepScroll.current !== null && box) {
      box.scrollTop = box.scrollHeight - keepScroll.current;
      keepScroll.current = null;
    }
  }, [turns]);
  useEffect(() => {
    if (lastShape) endRef.current?.scrollIntoView({ block: 'end' });
  }, [lastShape]);
  // Scrolling up to the top of the conversation reads the earlier turns (after the scroll to its end above).
  const earlierButton = useRef<HTMLButtonElement>(null);
  useWhenVisible(earlierButton, open.earlier !== null && !open.loading && !loadProblem, () => void loadEarlier());

  // The drawer (narrow screens): focus goes into it when it opens and back to its button when it closes.
  useEffect(() => {
    if (drawer) drawerBox.current?.querySelector<HTMLElement>('button, input')?.focus();
  }, [drawer]);
  const closeDrawer = () => {
    setDrawer(false);
    drawerToggle.current?.focus();
  };

  const modelName = (id: string) => models.find((m) => m.id === id)?.name ?? id;
  const listed = open.id ? conversations.state.items?.find((c) => c.id === open.id) : undefined;
  const title = open.missing ? 'Conversation not found' : open.id ? listed?.title ?? (open.title || 'Conversation') : 'New conversation';

  return (
    <div className={`chat${drawer ? ' drawer-open' : ''}`}>
      <aside className="side" aria-label="Usage and conversations">
        <UsageMeter usage={usage} exhausted={exhausted} />
        <div
          id={DRAWER}
          ref={drawerBox}
          className="side-lists"
          onKeyDown={(e) => {
            if (e.key === 'Escape' && drawer && !e.defaultPrevented) {
              e.preventDefault();
              closeDrawer();
            }
          }}
        >
          <button type="button" className="small drawer-close" onClick={closeDrawer}>
            Close
          </button>
          <ConversationList
            session={session}
            list={conversations}
            current={open.id}
            onOpen={(c: Conversation) => void openConversation(c.id, c.title)}
            onDeleted={onConversationDeleted}
            onProblem={handle}
          />
          <History session={session} version={historyVersion} onShow={showRecord} onDeleted={(id) => dispatch({ type: 'forget', promptId: id })} modelName={modelName} onProblem={handle} />
        </div>
        <div className="drawer-backdrop" onClick={closeDrawer} />
      </aside>
      <section className="conversation" aria-labelledby="conversation-title">
        <div className="conversation-head">
          <button ref={drawerToggle} type="button" className="small drawer-toggle" aria-expanded={drawer} aria-controls={DRAWER} onClick={() => setDrawer(!drawer)}>
            Conversations
          </button>
          <h1 id="conversation-title" className="conversation-title">
            {title}
          </h1>
          <button id={NEW_CONVERSATION} type="button" className="small" onClick={() => newConversation()}>
            New<span className="wide-only"> conversation</span>
          </button>
        </div>
        <div className="turns" ref={turnsBox} aria-busy={open.loading}>
          {open.earlier && (
            <button ref={earlierButton} type="button" className="small load-earlier" onClick={() => void loadEarlier()} disabled={open.loading}>
              {open.loading ? 'Loading…' : 'Load earlier turns'}
            </button>
          )}
          {turns.length === 0 ? (
            <div className="empty">
              {open.loading ? (
                <p className="hint" role="status">
                  Loading the conversation…
                </p>
              ) : open.missing ? (
                <div role="status">
                  <p className="empty-title">This conversation was not found.</p>
                  <p className="hint">It was deleted, or the link is to a conversation that is not yours. What you send now starts a new conversation.</p>
                </div>
              ) : (
                <>
                  <p className="empty-title">What would you like to ask?</p>
                  <p className="hint">Enter sends, Shift+Enter starts a new line, Esc stops waiting for an answer.</p>
                </>
              )}
            </div>
          ) : (
            <ol aria-label="Prompts and answers">
              {turns.map((turn) => (
                <TurnView key={turn.key} turn={turn} modelName={modelName} onRetry={retry} busy={busy} />
              ))}
            </ol>
          )}
          {loadProblem && (
            <p className="form-error" role="alert">
              {loadProblem.message}
            </p>
          )}
          <div ref={endRef} />
        </div>
        <Composer
          limits={session.config.limits}
          maxOutputTokens={source.streams ? session.config.limits.streamMaxOutputTokens : session.config.limits.maxOutputTokens}
          models={models}
          busy={busy}
          exhausted={exhausted}
          focus={focusPrompt}
          onSend={send}
          onStop={stop}
        />
      </section>
    </div>
  );
}
