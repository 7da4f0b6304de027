// One prompt and its answer: the answer as Markdown (./markdown.tsx), how it ended, what it cost,
// copy, and retry when the error says a retry can work.
import { useEffect, useState } from 'react';
import { formatDuration } from '../../../client/cli-text.ts';
import { localTime } from '../time.ts';
import { Markdown } from './markdown.tsx';
import type { Turn } from './turns.ts';

function useSecondsUntil(at: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === null || at <= Date.now()) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [at]);
  return at === null ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}

function CopyButton({ text }: { text: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 2000);
  };
  return (
    <button type="button" className="small" onClick={() => void copy()}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy answer'}
    </button>
  );
}

const STATUS_NOTES: Record<string, string> = {
  BLOCKED: 'A guardrail stopped this answer; the text is its message. The prompt was charged.',
  TIMED_OUT: 'No answer came in time. The prompt was charged, as the model may have run it.',
  FAILED: 'The model failed on this prompt.',
};

export function TurnView({ turn, modelName, onRetry, busy }: { turn: Turn; modelName(id: string): string; onRetry(key: string): void; busy: boolean }) {
  const wait = useSecondsUntil(turn.problem?.retryAt ?? null);
  const model = turn.answer?.model ?? turn.options.model ?? '';
  const status = turn.answer?.status;
  return (
    <li className={`turn turn-${turn.state}`}>
      <div className="you">
        <p className="who">You{turn.fromHistory && turn.answer?.createdAt ? ` · ${localTime(turn.answer.createdAt)}` : ''}</p>
        <p className="prompt-text">{turn.prompt}</p>
      </div>
      <div className="answer" aria-busy={turn.state === 'generating'}>
        <p className="who">
          {model ? modelName(model) : 'Tollgate'}
          {turn.answer && !turn.fromHistory && (
            <span className="meta">
              {' '}
              · {turn.answer.usage.inputTokens.toLocaleString()} in / {turn.answer.usage.outputTokens.toLocaleString()} out tokens · {turn.answer.balance.toLocaleString()} {turn.answer.balance === 1 ? 'prompt' : 'prompts'} left today
            </span>
          )}
        </p>
        {turn.state === 'generating' && turn.text === '' && (
          <p className="thinking" role="status">
            Waiting for the answer… <span className="hint">(Esc stops)</span>
          </p>
        )}
        {turn.text && <Markdown text={turn.text} />}
        {turn.state === 'generating' && turn.text !== '' && (
          <p className="thinking" role="status">
            Writing… <span className="hint">(Esc stops)</span>
          </p>
        )}
        {turn.capped !== null && (
          <p className="status-note capped">
            Sent with {turn.capped.maxTokens.toLocaleString()} tokens at most (you chose {turn.capped.asked.toLocaleString()}): the live connection could not be reached, and a non-streamed answer allows no more.
          </p>
        )}
        {turn.gap && turn.state !== 'generating' && <p className="status-note">Part of this answer did not reach the page; the whole answer is in your history.</p>}
        {status && STATUS_NOTES[status] && <p className="status-note">{STATUS_NOTES[status]}</p>}
        {turn.state === 'stopped' && <p className="status-note">Stopped showing this answer. The model still finishes it and it is charged as usual (the prompt and its tokens); the whole answer is in your history.</p>}
        {turn.problem && (
          <p className="form-error" role="alert">
            {turn.problem.message}
          </p>
        )}
        <div className="turn-actions">
          {turn.state === 'done' && turn.text && <CopyButton text={turn.text} />}
          {turn.state === 'failed' && turn.problem?.retryable && (
            <button type="button" className="small" disabled={busy || wait > 0} onClick={() => onRetry(turn.key)}>
              {wait > 0 ? `Retry in ${formatDuration(wait)}` : 'Retry'}
            </button>
          )}
        </div>
      </div>
    </li>
  );
}
