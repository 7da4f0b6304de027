// Today's usage: prompts and tokens against the day's limits, and when they come back — in the
// reader's own time zone and as "in 3 h 12 min", kept current as time passes.
import { useId } from 'react';
import { fromNow, useNow, whenLocal } from '../time.ts';
import type { Exhausted, Usage } from './chat-view.tsx';

function Gauge({ label, used, limit }: { label: string; used: number; limit: number }) {
  const id = useId();
  return (
    <div className="gauge">
      <div className="gauge-text">
        <span id={id}>{label}</span>
        <span>
          {used.toLocaleString()} of {limit.toLocaleString()}
        </span>
      </div>
      <progress aria-labelledby={id} value={Math.min(used, limit)} max={limit} className={used >= limit ? 'full' : ''} />
    </div>
  );
}

export function UsageMeter({ usage, exhausted }: { usage: Usage | null; exhausted: Exhausted | null }) {
  const now = useNow(30_000);
  const title = useId();
  return (
    <section className="usage" aria-labelledby={title}>
      <h2 id={title}>Today</h2>
      {!usage ? (
        <p className="hint">Loading your usage…</p>
      ) : (
        <>
          <Gauge label="Prompts" used={usage.queries} limit={usage.limit} />
          <Gauge label="Tokens" used={usage.inputTokens + usage.outputTokens} limit={usage.tokenLimit} />
          <p className={`resets${exhausted ? ' exhausted-text' : ''}`}>
            {exhausted ? 'Comes back' : 'Resets'} <time dateTime={usage.resetsAt}>{whenLocal(usage.resetsAt, { now })}</time> ({fromNow(usage.resetsAt, now)})
          </p>
        </>
      )}
    </section>
  );
}
