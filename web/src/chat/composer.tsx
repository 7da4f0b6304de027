// The prompt box. Enter sends, Shift+Enter is a new line, Enter that confirms an input method's
// composition (Japanese, Chinese, Korean…) never sends, Esc stops an answer being generated. A prompt over
// the API's limit is refused here, with the limit, before anything is sent; so is a paste that
// would take it over.
import { useEffect, useId, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent } from 'react';
import type { PromptOptions } from '../../../client/index.ts';
import type { PromptLimits } from '../config.ts';
import { fromNow, useNow, whenLocal } from '../time.ts';
import type { Exhausted, Model } from './chat-view.tsx';
import { OptionsPopover, type OptionValues } from './options-popover.tsx';

export interface ComposerValue {
  prompt: string;
  options: PromptOptions;
}

/** Length as the API counts it: Unicode code points. */
export const codePoints = (text: string) => [...text].length;

const number = (n: number) => n.toLocaleString();

export function exhaustedText(exhausted: Exhausted, now = Date.now()): string {
  const what = exhausted.kind === 'requests' ? `all ${number(exhausted.limit)} prompts` : `all ${number(exhausted.limit)} tokens`;
  return `You have used ${what} for today. They come back ${whenLocal(exhausted.resetsAt, { now })} (${fromNow(exhausted.resetsAt, now)}).`;
}

export function Composer(props: {
  limits: PromptLimits;
  /** The largest maxTokens the API takes for the way the chat sends (streamed or blocking). */
  maxOutputTokens: number;
  models: Model[];
  busy: boolean;
  exhausted: Exhausted | null;
  /** Each change puts the focus in the prompt box (a conversation was opened or started). */
  focus?: number;
  onSend(value: ComposerValue): void;
  onStop(): void;
}) {
  const { limits, models, busy, exhausted } = props;
  const [prompt, setPrompt] = useState('');
  const [model, setModel] = useState('');
  const [options, setOptions] = useState<OptionValues>({ maxTokens: null, temperature: null });
  const [pasteRefused, setPasteRefused] = useState('');
  const composing = useRef(false);
  const now = useNow();
  const box = useRef<HTMLTextAreaElement>(null);
  const ids = { prompt: useId(), model: useId(), problem: useId(), count: useId(), exhausted: useId() };

  useEffect(() => {
    if (!model && models.length > 0) setModel((models.find((m) => m.default) ?? models[0]!).id);
  }, [models, model]);

  useEffect(() => {
    if (props.focus) box.current?.focus();
  }, [props.focus]);

  // Esc stops an answer being generated wherever the focus is (the popover handles its own Esc first).
  useEffect(() => {
    if (!busy) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) props.onStop();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [busy, props]);

  const length = codePoints(prompt);
  const tooLong = length > limits.maxPromptChars;
  const empty = prompt.trim() === '';
  const canSend = !busy && !exhausted && !empty && !tooLong;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    const chosen: PromptOptions = { model: model || undefined };
    if (options.maxTokens !== null) chosen.maxTokens = options.maxTokens;
    if (options.temperature !== null) chosen.temperature = options.temperature;
    props.onSend({ prompt, options: chosen });
    setPrompt('');
    setPasteRefused('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || e.shiftKey) return;
    // keyCode 229 is what Safari and old Chromium report for keys an IME is handling.
    if (composing.current || e.nativeEvent.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    submit();
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const pasted = e.clipboardData.getData('text/plain');
    const el = e.currentTarget;
    const after = prompt.slice(0, el.selectionStart) + pasted + prompt.slice(el.selectionEnd);
    const total = codePoints(after);
    if (total <= limits.maxPromptChars) {
      setPasteRefused('');
      return;
    }
    e.preventDefault();
    setPasteRefused(
      `Not pasted: with it the prompt would have ${number(total)} characters, and Tollgate accepts at most ${number(limits.maxPromptChars)}. Shorten the text and paste it again.`,
    );
  };

  const problem = pasteRefused || (tooLong ? `The prompt has ${number(length)} characters; Tollgate accepts at most ${number(limits.maxPromptChars)}.` : '');
  const describedBy = [ids.count, problem ? ids.problem : null, exhausted ? ids.exhausted : null].filter(Boolean).join(' ');

  return (
    <form className="composer" onSubmit={submit} aria-label="Send a prompt">
      {exhausted && (
        <p id={ids.exhausted} className="exhausted" role="status">
          {exhaustedText(exhausted, now)}
        </p>
      )}
      <label htmlFor={ids.prompt} className="visually-hidden">
        Prompt
      </label>
      <textarea
        ref={box}
        id={ids.prompt}
        name="prompt"
        rows={3}
        value={prompt}
        placeholder={exhausted ? 'Sending is paused until your quota comes back.' : 'Ask anything…'}
        onChange={(e) => {
          setPrompt(e.target.value);
          setPasteRefused('');
        }}
        onKeyDown={onKeyDown}
        onCompositionStart={() => (composing.current = true)}
        onCompositionEnd={() => (composing.current = false)}
        onPaste={onPaste}
        aria-invalid={problem ? true : undefined}
        aria-describedby={describedBy}
      />
      <div className="composer-bar">
        <div className="field inline">
          <label htmlFor={ids.model}>Model</label>
          <select id={ids.model} value={model} onChange={(e) => setModel(e.target.value)} disabled={models.length === 0}>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
                {m.default ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </div>
        <OptionsPopover limits={limits} maxOutputTokens={props.maxOutputTokens} value={options} onChange={setOptions} />
        <span id={ids.count} className={`count${tooLong ? ' over' : ''}`}>
          <span className="visually-hidden">Characters: </span>
          {number(length)} / {number(limits.maxPromptChars)}
        </span>
        {busy ? (
          <button type="button" className="primary stop" onClick={props.onStop} aria-keyshortcuts="Escape">
            Stop
          </button>
        ) : (
          <button type="submit" className="primary" disabled={!canSend}>
            Send
          </button>
        )}
      </div>
      <p id={ids.problem} className="field-error" role="alert">
        {problem}
      </p>
    </form>
  );
}
