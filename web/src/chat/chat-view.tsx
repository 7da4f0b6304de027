// The chat: the conversation with its composer, and beside it today's usage and the history.
// Prompts go through an AnswerSource (./source.ts): streamed as the model writes them, or whole
// where the real-time endpoint cannot be reached; this view does not tell them apart.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { ModelsQuery, MyUsageQuery, PromptOptions } from '../../../client/index.ts';
import { problemOf, type Problem } from '../problem.ts';
import type { Session } from '../session.ts';
import { Composer, type ComposerValue } from './composer.tsx';
import { History } from './history.tsx';
import { chooseSource, isAbort } from './source.ts';
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

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

export function ChatView({ session }: { session: Session }) {
  const [turns, dispatch] = useReducer(turnsReducer, []);
  const [usage, setUsage] = useState<Usage | null>(null);
  const [models, setModels] = useState<Model[]>([]);
  const [quotaProblem, setQuotaProblem] = useState<Exhausted | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [historyVersion, setHistoryVersion] = useState(0);
  const pending = useRef<{ key: string; controller: AbortController } | null>(null);
  const [busy, setBusy] = useState(false);
  const source = useMemo(() => chooseSource(session), [session]);
  useEffect(() => () => source.close(), [source]);
  const endRef = useRef<HTMLDivElement>(null);

  const handle = useCallback(
    (problem: Problem) => {
      if (problem.signedOut) session.signOut();
      if (problem.exhausted) setQuotaProblem(problem.exhausted);
    },
    [session],
  );

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

  const run = useCallback(
    async (key: string, prompt: string, options: PromptOptions, idempotencyKey: string) => {
      const controller = new AbortController();
      pending.current = { key, controller };
      setBusy(true);
      try {
        for await (const event of source.ask({ prompt, options, idempotencyKey }, controller.signal)) {
          if (controller.signal.aborted) break;
          dispatch({ type: 'event', key, event });
          if (event.kind === 'done') {
            setUsage((u) => (u ? { ...u, queries: event.answer.queries, balance: event.answer.balance } : u));
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
        void refreshUsage();
      }
    },
    [source, handle, refreshUsage],
  );

  const send = (value: ComposerValue) => {
    const key = newKey();
    const idempotencyKey = newKey();
    dispatch({ type: 'send', key, prompt: value.prompt, options: value.options, idempotencyKey });
    void run(key, value.prompt, value.options, idempotencyKey);
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
    void run(key, turn.prompt, turn.options, turn.idempotencyKey);
  };

  const show = (record: HistoryRecord) => dispatch({ type: 'show', record });

  useEffect(() => {
    endRef.current?.scrollIntoView({ block: 'end' });
  }, [turns]);

  const modelName = (id: string) => models.find((m) => m.id === id)?.name ?? id;

  return (
    <div className="chat">
      <aside className="side" aria-label="Usage and history">
        <UsageMeter usage={usage} exhausted={exhausted} />
        <History session={session} version={historyVersion} onShow={show} onDeleted={(id) => dispatch({ type: 'forget', promptId: id })} modelName={modelName} onProblem={handle} />
      </aside>
      <section className="conversation" aria-label="Conversation">
        <div className="turns">
          {turns.length === 0 ? (
            <div className="empty">
              <h1>What would you like to ask?</h1>
              <p className="hint">Enter sends, Shift+Enter starts a new line, Esc stops waiting for an answer.</p>
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
        <Composer limits={session.config.limits} models={models} busy={busy} exhausted={exhausted} onSend={send} onStop={stop} />
      </section>
    </div>
  );
}
