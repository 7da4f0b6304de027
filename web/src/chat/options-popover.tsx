// maxTokens and temperature, in a popover beside the model picker. The bounds are the API's own
// (config.limits: the stack's STREAM_MAX_OUTPUT_TOKENS for the streamed prompts the chat sends, its
// MAX_OUTPUT_TOKENS where the chat cannot stream, and the prompt validation's 0…1 for
// temperature); a value outside them is not applied and says why, next to its field.
import { useEffect, useId, useRef, useState } from 'react';
import type { PromptLimits } from '../config.ts';

export interface OptionValues {
  /** null: the API's default (its largest). */
  maxTokens: number | null;
  /** null: the model's default. */
  temperature: number | null;
}

/** `maxOutputTokens`: the largest the API takes for the way the chat sends (streamed or blocking). */
export function checkMaxTokens(raw: string, maxOutputTokens: number): { value: number | null; error: string } {
  if (raw.trim() === '') return { value: null, error: '' };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > maxOutputTokens) return { value: null, error: `A whole number from 1 to ${maxOutputTokens.toLocaleString()}.` };
  return { value: n, error: '' };
}

export function checkTemperature(raw: string, limits: PromptLimits): { value: number | null; error: string } {
  if (raw.trim() === '') return { value: null, error: '' };
  const n = Number(raw);
  const { min, max } = limits.temperature;
  if (!Number.isFinite(n) || n < min || n > max) return { value: null, error: `A number from ${min} to ${max}.` };
  return { value: n, error: '' };
}

export function OptionsPopover({ limits, maxOutputTokens, value, onChange }: { limits: PromptLimits; maxOutputTokens: number; value: OptionValues; onChange(v: OptionValues): void }) {
  const [open, setOpen] = useState(false);
  const [maxTokens, setMaxTokens] = useState(value.maxTokens?.toString() ?? '');
  const [temperature, setTemperature] = useState(value.temperature?.toString() ?? '');
  const ids = { panel: useId(), title: useId(), maxTokens: useId(), temperature: useId(), maxError: useId(), tempError: useId() };
  const button = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLInputElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const max = checkMaxTokens(maxTokens, maxOutputTokens);
  const temp = checkTemperature(temperature, limits);

  useEffect(() => {
    if (open) first.current?.focus();
  }, [open]);

  // A click outside closes it, as a menu would.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    addEventListener('mousedown', onDown);
    return () => removeEventListener('mousedown', onDown);
  }, [open]);

  const apply = (nextMax: string, nextTemp: string) => {
    setMaxTokens(nextMax);
    setTemperature(nextTemp);
    onChange({ maxTokens: checkMaxTokens(nextMax, maxOutputTokens).value, temperature: checkTemperature(nextTemp, limits).value });
  };

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const changed = value.maxTokens !== null || value.temperature !== null;
  return (
    <div className="options">
      <button ref={button} type="button" aria-expanded={open} aria-controls={ids.panel} onClick={() => setOpen(!open)}>
        Options{changed ? ' •' : ''}
      </button>
      {open && (
        <div
          ref={panel}
          id={ids.panel}
          className="popover"
          role="dialog"
          aria-labelledby={ids.title}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              close();
            }
          }}
        >
          <h2 id={ids.title}>Answer options</h2>
          <div className="field">
            <label htmlFor={ids.maxTokens}>Longest answer (tokens)</label>
            <input
              ref={first}
              id={ids.maxTokens}
              type="number"
              inputMode="numeric"
              min={1}
              max={maxOutputTokens}
              step={1}
              placeholder={`${maxOutputTokens} (default)`}
              value={maxTokens}
              onChange={(e) => apply(e.target.value, temperature)}
              aria-invalid={max.error ? true : undefined}
              aria-describedby={max.error ? ids.maxError : undefined}
            />
            {max.error && (
              <p id={ids.maxError} className="field-error">
                {max.error}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.temperature}>Temperature</label>
            <input
              id={ids.temperature}
              type="number"
              inputMode="decimal"
              min={limits.temperature.min}
              max={limits.temperature.max}
              step={0.1}
              placeholder="model default"
              value={temperature}
              onChange={(e) => apply(maxTokens, e.target.value)}
              aria-invalid={temp.error ? true : undefined}
              aria-describedby={temp.error ? ids.tempError : `${ids.temperature}-hint`}
            />
            {temp.error ? (
              <p id={ids.tempError} className="field-error">
                {temp.error}
              </p>
            ) : (
              <p id={`${ids.temperature}-hint`} className="hint">
                Lower is more focused, higher more varied.
              </p>
            )}
          </div>
          <div className="popover-actions">
            <button type="button" onClick={() => apply('', '')}>
              Defaults
            </button>
            <button type="button" className="primary" onClick={close}>
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
