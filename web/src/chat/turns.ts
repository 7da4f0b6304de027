// The conversation on screen: each turn is a prompt and its answer as it arrives. A pure reducer,
// so the way events from an AnswerSource change the page is tested without a browser. It is built
// for an answer that comes in pieces: a turn is `generating` until its answer is done, failed or
// stopped (Stop cancels it, and whatever still arrives for it is dropped); each piece of text is
// placed at its offset, so a piece delivered twice or overlapping is not shown twice, and a piece
// that arrives before the one in front of it waits (`ahead`) until that one comes, or a catch-up
// read (`snapshot`) fills the gap.
import type { PromptOptions, PromptStatus } from '../../../client/index.ts';
import type { Problem } from '../problem.ts';
import type { AnswerEvent, FinishedAnswer } from './source.ts';

export type TurnState = 'generating' | 'done' | 'stopped' | 'failed';

/** A piece of an answer and where it starts (UTF-16 code units, JavaScript's string length). */
export interface Piece {
  offset: number;
  text: string;
}

export interface Turn {
  key: string;
  prompt: string;
  options: PromptOptions;
  idempotencyKey: string;
  /** The prompt's id once the API admitted it (a streaming source knows it before any text). */
  promptId: string | null;
  /** The answer so far (all of it once done). */
  text: string;
  /** Pieces that arrived beyond the end of `text`, waiting for the text in between. */
  ahead: Piece[];
  /** Some text is missing (pieces are waiting): shown when the answer ended that way. */
  gap: boolean;
  state: TurnState;
  answer: FinishedAnswer | null;
  problem: Problem | null;
  /** From myPrompts rather than sent from this page. */
  fromHistory: boolean;
  /** Sent with this lower maxTokens than chosen (a blocking answer allows no more), or null. */
  capped: { maxTokens: number; asked: number } | null;
}

export interface HistoryRecord {
  id: string;
  prompt: string;
  response: string | null;
  model: string;
  status: PromptStatus;
  usage: { inputTokens: number; outputTokens: number } | null;
  createdAt: string;
  /** The conversation it was sent into (null for prompts logged before conversations). */
  conversationId?: string | null;
}

export type TurnAction =
  | { type: 'send'; key: string; prompt: string; options: PromptOptions; idempotencyKey: string }
  | { type: 'retry'; key: string }
  | { type: 'event'; key: string; event: AnswerEvent }
  | { type: 'fail'; key: string; problem: Problem }
  | { type: 'stop'; key: string }
  /** A conversation was opened: its turns (oldest first) replace what is on screen. */
  | { type: 'open'; records: HistoryRecord[] }
  /** Earlier turns of the open conversation (oldest first) go before those shown. */
  | { type: 'earlier'; records: HistoryRecord[] }
  /** The prompt was deleted: its turns leave the screen (a turn still generating stays). */
  | { type: 'forget'; promptId: string };

const update = (turns: Turn[], key: string, change: (turn: Turn) => Turn) => turns.map((t) => (t.key === key ? change(t) : t));

export function turnsReducer(turns: Turn[], action: TurnAction): Turn[] {
  switch (action.type) {
    case 'send':
      return [
        ...turns,
        {
          key: action.key,
          prompt: action.prompt,
          options: action.options,
          idempotencyKey: action.idempotencyKey,
          promptId: null,
          text: '',
          ahead: [],
          gap: false,
          state: 'generating',
          answer: null,
          problem: null,
          fromHistory: false,
          capped: null,
        },
      ];
    case 'retry':
      return update(turns, action.key, (t) => ({ ...t, promptId: null, text: '', ahead: [], gap: false, state: 'generating', answer: null, problem: null, capped: null }));
    case 'event':
      return update(turns, action.key, (t) => (t.state === 'generating' ? applyEvent(t, action.event) : t)); // a stopped turn ignores what still arrives
    case 'fail':
      return update(turns, action.key, (t) => (t.state === 'generating' ? { ...t, state: 'failed', problem: action.problem } : t));
    case 'stop':
      return update(turns, action.key, (t) => (t.state === 'generating' ? { ...t, state: 'stopped' } : t));
    case 'open':
      // A turn still generating belongs to the conversation it was sent into: the chat stops it before it opens another.
      return action.records.map(turnOf);
    case 'earlier': {
      const shown = new Set(turns.map((t) => t.key));
      return [...action.records.map(turnOf).filter((t) => !shown.has(t.key)), ...turns];
    }
    case 'forget':
      return turns.filter((t) => t.promptId !== action.promptId || t.state === 'generating');
  }
}

/** A logged prompt (from the history or a conversation's turns) as a finished turn. */
function turnOf(r: HistoryRecord): Turn {
  return {
    key: `history-${r.id}`,
    prompt: r.prompt,
    options: { model: r.model },
    idempotencyKey: '',
    promptId: r.id,
    text: r.response ?? '',
    ahead: [],
    gap: false,
    state: 'done',
    answer: { id: r.id, model: r.model, status: r.status, queries: 0, balance: 0, usage: r.usage ?? { inputTokens: 0, outputTokens: 0 }, createdAt: r.createdAt },
    problem: null,
    fromHistory: true,
    capped: null,
  };
}

/**
 * The answer after `pieces` are placed on `text`: a piece that starts within or at the end of
 * the text adds whatever of it is new (none, for a repeat), one that starts beyond the end waits
 * in `ahead` until the text reaches it.
 */
export function place(text: string, pieces: Piece[]): { text: string; ahead: Piece[] } {
  let current = text;
  let waiting = pieces;
  for (let placed = true; placed; ) {
    placed = false;
    waiting = waiting.filter((p) => {
      if (p.offset > current.length) return true;
      if (p.offset + p.text.length > current.length) {
        current += p.text.slice(current.length - p.offset);
        placed = true;
      }
      return false;
    });
  }
  return { text: current, ahead: waiting };
}

function applyEvent(t: Turn, e: AnswerEvent): Turn {
  switch (e.kind) {
    case 'admitted':
      return { ...t, promptId: e.id };
    case 'capped':
      return { ...t, capped: { maxTokens: e.maxTokens, asked: e.asked } };
    case 'text': {
      // A piece without an offset follows what came before.
      const next = place(t.text, [...t.ahead, { offset: e.offset ?? t.text.length, text: e.text }]);
      return { ...t, text: next.text, ahead: next.ahead, gap: next.ahead.length > 0 };
    }
    case 'snapshot': {
      // The answer so far as a whole (a catch-up read): it replaces the pieces when it has more.
      const next = place(e.text.length >= t.text.length ? e.text : t.text, t.ahead);
      return { ...t, text: next.text, ahead: next.ahead, gap: next.ahead.length > 0 };
    }
    case 'done':
      // A guardrail's replacement takes the place of everything shown (and anything still waiting).
      if (e.replacement !== undefined) return { ...t, state: 'done', answer: e.answer, promptId: e.answer.id, text: e.replacement, ahead: [], gap: false };
      return { ...t, state: 'done', answer: e.answer, promptId: e.answer.id };
  }
}
