// The conversation on screen: each turn is a prompt and its answer as it arrives. A pure reducer,
// so the way events from an AnswerSource change the page is tested without a browser.
import type { PromptOptions, PromptStatus } from '../../../client/index.ts';
import type { Problem } from '../problem.ts';
import type { AnswerEvent, FinishedAnswer } from './source.ts';

export type TurnState = 'pending' | 'done' | 'stopped' | 'failed';

export interface Turn {
  key: string;
  prompt: string;
  options: PromptOptions;
  idempotencyKey: string;
  /** The answer so far (all of it once done). */
  text: string;
  state: TurnState;
  answer: FinishedAnswer | null;
  problem: Problem | null;
  /** From myPrompts rather than sent from this page. */
  fromHistory: boolean;
}

export interface HistoryRecord {
  id: string;
  prompt: string;
  response: string | null;
  model: string;
  status: PromptStatus;
  usage: { inputTokens: number; outputTokens: number } | null;
  createdAt: string;
}

export type TurnAction =
  | { type: 'send'; key: string; prompt: string; options: PromptOptions; idempotencyKey: string }
  | { type: 'retry'; key: string }
  | { type: 'event'; key: string; event: AnswerEvent }
  | { type: 'fail'; key: string; problem: Problem }
  | { type: 'stop'; key: string }
  | { type: 'show'; record: HistoryRecord }
  | { type: 'clear' };

const update = (turns: Turn[], key: string, change: (turn: Turn) => Turn) => turns.map((t) => (t.key === key ? change(t) : t));

export function turnsReducer(turns: Turn[], action: TurnAction): Turn[] {
  switch (action.type) {
    case 'send':
      return [
        ...turns,
        { key: action.key, prompt: action.prompt, options: action.options, idempotencyKey: action.idempotencyKey, text: '', state: 'pending', answer: null, problem: null, fromHistory: false },
      ];
    case 'retry':
      return update(turns, action.key, (t) => ({ ...t, text: '', state: 'pending', answer: null, problem: null }));
    case 'event':
      return update(turns, action.key, (t) => {
        if (t.state !== 'pending') return t; // a stopped turn ignores what still arrives
        const e = action.event;
        if (e.kind === 'text') return { ...t, text: t.text + e.text };
        if (e.kind === 'done') return { ...t, state: 'done', answer: e.answer };
        return t;
      });
    case 'fail':
      return update(turns, action.key, (t) => (t.state === 'pending' ? { ...t, state: 'failed', problem: action.problem } : t));
    case 'stop':
      return update(turns, action.key, (t) => (t.state === 'pending' ? { ...t, state: 'stopped' } : t));
    case 'show': {
      const r = action.record;
      const key = `history-${r.id}`;
      const shown = turns.filter((t) => t.key !== key);
      const turn: Turn = {
        key,
        prompt: r.prompt,
        options: { model: r.model },
        idempotencyKey: '',
        text: r.response ?? '',
        state: 'done',
        answer: { id: r.id, model: r.model, status: r.status, queries: 0, balance: 0, usage: r.usage ?? { inputTokens: 0, outputTokens: 0 }, createdAt: r.createdAt },
        problem: null,
        fromHistory: true,
      };
      return [...shown, turn];
    }
    case 'clear':
      return turns.filter((t) => t.state === 'pending');
  }
}
