// Times as a person reads them: in their own time zone and language, and as "in 3 h 12 min".
import { useEffect, useState } from 'react';
import { formatDuration } from '../../client/cli-text.ts';

/** The time now, renewed every `everyMs`, so a "in 3 h 12 min" on screen counts down. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** "in 3 h 12 min" (or "now" once it has passed). */
export function fromNow(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  if (!Number.isFinite(ms)) return '';
  return ms <= 0 ? 'now' : `in ${formatDuration(ms / 1000)}`;
}

function sameDay(a: Date, b: Date, timeZone?: string): boolean {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return day.format(a) === day.format(b);
}

/**
 * A moment in the reader's time zone: "01:00" today, "Tue 01:00" within a week, else the date.
 * The zone's short name is added when asked, so "resets at 01:00 CET" says which clock.
 */
export function localTime(iso: string, options: { now?: number; locale?: string; timeZone?: string; zoneName?: boolean } = {}): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const now = new Date(options.now ?? Date.now());
  const { locale, timeZone } = options;
  const timeZoneName = options.zoneName ? ('short' as const) : undefined;
  if (sameDay(date, now, timeZone)) return new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', timeZoneName }).format(date);
  const days = Math.abs(date.getTime() - now.getTime()) / 86_400_000;
  if (days < 6) return new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', timeZoneName }).format(date);
  return new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium' }).format(date);
}

/**
 * When something last happened, as a person says it: "just now", "5 min ago", "3 hr ago" (today),
 * "yesterday", then as localTime ("Tue 21:40", "2 Nov 2026"); `full` is the whole local date and
 * time, for a tooltip. Words from the reader's language (Intl.RelativeTimeFormat).
 */
export function sinceLocal(iso: string, options: { now?: number; locale?: string; timeZone?: string } = {}): { text: string; full: string } {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return { text: iso, full: iso };
  const now = options.now ?? Date.now();
  const { locale, timeZone } = options;
  const full = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'full', timeStyle: 'short' }).format(date);
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  // Rounded: 59 s ago is "1 min ago", and 2 h 59 min 50 s "3 hr ago".
  const minutes = Math.round((now - date.getTime()) / 60_000);
  // A moment a little ahead of the page's clock (the API's clock runs ahead) is "just now" too.
  if (minutes < 1) return { text: 'just now', full };
  if (minutes < 60) return { text: relative.format(-minutes, 'minute'), full };
  if (sameDay(date, new Date(now), timeZone)) return { text: relative.format(-Math.round(minutes / 60), 'hour'), full };
  if (sameDay(date, new Date(now - 86_400_000), timeZone)) return { text: relative.format(-1, 'day'), full };
  return { text: localTime(iso, { now, locale, timeZone }), full };
}

/** When something comes back, as a phrase: "at 21:00 CET", "tomorrow at 01:00 CET", "on Wed 2 Dec at 01:00 CET". */
export function whenLocal(iso: string, options: { now?: number; locale?: string; timeZone?: string } = {}): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return `at ${iso}`;
  const now = options.now ?? Date.now();
  const { locale, timeZone } = options;
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(date);
  if (sameDay(date, new Date(now), timeZone)) return `at ${time}`;
  if (sameDay(date, new Date(now + 86_400_000), timeZone)) return `tomorrow at ${time}`;
  const day = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(date);
  return `on ${day} at ${time}`;
}
