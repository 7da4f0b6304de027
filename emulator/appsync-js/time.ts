// util.time: Java DateTimeFormatter patterns (AppSync's formatter is Java's; @aws-appsync/utils
// doc comment on Util.time) over IANA zones, formatting and parsing.
import type { Util as AwsUtil } from '@aws-appsync/utils';
import { TIME_CHOICES } from '../appsync/choices.ts';


export function createTimeUtils(now: () => number): AwsUtil['time'] {
  return {
    nowISO8601: () => new Date(now()).toISOString(),
    nowEpochSeconds: () => Math.floor(now() / 1000),
    nowEpochMilliSeconds: () => now(),
    nowFormatted: (pattern: string, timezone?: string) => formatEpochMillis(now(), pattern, timezone),
    parseFormattedToEpochMilliSeconds: (timestamp: string, pattern: string, timezone?: string) =>
      parseFormatted(timestamp, pattern, timezone),
    parseISO8601ToEpochMilliSeconds: (timestamp) => {
      const ms = Date.parse(String(timestamp));
      if (Number.isNaN(ms)) throw new Error(`Text '${timestamp}' could not be parsed as an ISO 8601 timestamp`);
      return ms;
    },
    epochMilliSecondsToSeconds: (ms) => Math.trunc(ms / 1000),
    epochMilliSecondsToISO8601: (ms) => new Date(ms).toISOString(),
    epochMilliSecondsToFormatted: (ms: number, pattern: string, timezone?: string) => formatEpochMillis(ms, pattern, timezone),
  };
}

/** padWidth: Java's pad modifier ('pp' before a field pads it with spaces to width 2). */
type PatternToken = { kind: 'literal'; text: string } | { kind: 'field'; letter: string; count: number; padWidth?: number };

function tokenizePattern(pattern: string): PatternToken[] {
  const tokens: PatternToken[] = [];
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === "'") {
      if (pattern[i + 1] === "'") {
        tokens.push({ kind: 'literal', text: "'" });
        i += 2;
        continue;
      }
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw new Error(`Pattern ends with an incomplete string literal: ${pattern}`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j += 1;
      }
      tokens.push({ kind: 'literal', text });
      i = j + 1;
    } else if (/[A-Za-z]/.test(char)) {
      let j = i;
      while (pattern[j] === char) j += 1;
      const previous = tokens[tokens.length - 1];
      if (previous?.kind === 'field' && previous.letter === 'p' && previous.padWidth === undefined) {
        tokens[tokens.length - 1] = { kind: 'field', letter: char, count: j - i, padWidth: previous.count };
      } else {
        tokens.push({ kind: 'field', letter: char, count: j - i });
      }
      i = j;
    } else if (char === '#' || char === '{' || char === '}') {
      throw new Error(`Pattern includes reserved character: '${char}'`);
    } else if (char === '[' || char === ']') {
      // Optional sections: every field is always available when formatting, so print their content.
      i += 1;
    } else {
      tokens.push({ kind: 'literal', text: char });
      i += 1;
    }
  }
  return tokens;
}

interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** ISO day of week, Monday = 1. */
  weekday: number;
  offsetMinutes: number;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormatters.set(zone, formatter);
  }
  return formatter;
}

/** Builds a UTC instant from calendar fields without Date.UTC's two-digit-year remapping. */
function utcFromFields(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

function zonedParts(epochMs: number, zone: string): ZonedParts {
  const fields: Record<string, number> = {};
  for (const part of partsFormatter(zone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const millisecond = ((epochMs % 1000) + 1000) % 1000;
  const wallMs = utcFromFields(fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second, millisecond);
  const weekday = new Date(wallMs).getUTCDay();
  return {
    year: fields.year,
    month: fields.month,
    day: fields.day,
    hour: fields.hour,
    minute: fields.minute,
    second: fields.second,
    millisecond,
    weekday: weekday === 0 ? 7 : weekday,
    offsetMinutes: Math.round((wallMs - epochMs) / 60_000),
  };
}

function zoneName(epochMs: number, zone: string, style: 'short' | 'long' | 'shortGeneric' | 'longGeneric'): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: style }).formatToParts(new Date(epochMs));
  return parts.find((part) => part.type === 'timeZoneName')?.value ?? zone;
}

function pad(value: number, width: number): string {
  const sign = value < 0 ? '-' : '';
  return sign + String(Math.abs(value)).padStart(width, '0');
}

// Java's WeekFields, as WeekFields.ComputedDayOfField computes them (java.time source).

/** Day of the week counted from the locale's first day: 1 … 7. */
function localizedDayOfWeek(isoWeekday: number): number {
  return ((isoWeekday - TIME_CHOICES.firstDayOfWeek + 7) % 7) + 1;
}

function startOfWeekOffset(day: number, dow: number): number {
  const weekStart = (((day - dow) % 7) + 7) % 7;
  return weekStart + 1 > TIME_CHOICES.minimalDaysInFirstWeek ? 7 - weekStart : -weekStart;
}

function computeWeek(offset: number, day: number): number {
  return Math.floor((7 + offset + (day - 1)) / 7);
}

function dayOfYear(year: number, month: number, day: number): number {
  return Math.round((utcFromFields(year, month, day, 0, 0, 0, 0) - utcFromFields(year, 1, 1, 0, 0, 0, 0)) / 86_400_000) + 1;
}

function lengthOfYear(year: number): number {
  return dayOfYear(year, 12, 31);
}

/** The week-based year and the week in it (letters Y and w). */
function weekBasedYear(year: number, month: number, day: number, isoWeekday: number): { year: number; week: number } {
  const doy = dayOfYear(year, month, day);
  const offset = startOfWeekOffset(doy, localizedDayOfWeek(isoWeekday));
  const week = computeWeek(offset, doy);
  if (week === 0) {
    // Back into the previous year's last week.
    const previous = new Date(utcFromFields(year, month, day, 0, 0, 0, 0) - doy * 86_400_000);
    const weekday = previous.getUTCDay() === 0 ? 7 : previous.getUTCDay();
    return weekBasedYear(previous.getUTCFullYear(), previous.getUTCMonth() + 1, previous.getUTCDate(), weekday);
  }
  const newYearWeek = computeWeek(offset, lengthOfYear(year) + TIME_CHOICES.minimalDaysInFirstWeek);
  return week >= newYearWeek ? { year: year + 1, week: week - newYearWeek + 1 } : { year, week };
}

/** Letter W: the week of the month, by the same rules. */
function weekOfMonth(day: number, isoWeekday: number): number {
  return computeWeek(startOfWeekOffset(day, localizedDayOfWeek(isoWeekday)), day);
}

/** The first day of week 1 of a week-based year, as a UTC midnight. */
function firstDayOfWeekBasedYear(year: number): number {
  const jan1 = utcFromFields(year, 1, 1, 0, 0, 0, 0);
  const weekday = new Date(jan1).getUTCDay() === 0 ? 7 : new Date(jan1).getUTCDay();
  const weekStart = jan1 - (localizedDayOfWeek(weekday) - 1) * 86_400_000;
  return weekBasedYear(year, 1, 1, weekday).year === year ? weekStart : weekStart + 7 * 86_400_000;
}

function dayPeriod(epochMs: number, zone: string, count: number): string {
  const style = count === 4 ? 'long' : count === 5 ? 'narrow' : 'short';
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', dayPeriod: style }).formatToParts(new Date(epochMs));
  return parts.find((part) => part.type === 'dayPeriod')?.value ?? '';
}

function formatOffset(offsetMinutes: number, withColon: boolean, minutesOptional: boolean): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const hours = Math.floor(Math.abs(offsetMinutes) / 60);
  const minutes = Math.abs(offsetMinutes) % 60;
  if (minutesOptional && minutes === 0) return `${sign}${pad(hours, 2)}`;
  return `${sign}${pad(hours, 2)}${withColon ? ':' : ''}${pad(minutes, 2)}`;
}

/** Java's IllegalArgumentException text for a letter DateTimeFormatter does not define. */
function unknownLetter(letter: string): never {
  throw new Error(`Unknown pattern letter: ${letter}`);
}

function formatEpochMillis(epochMs: number, pattern: string, timezone?: string): string {
  const zone = timezone ?? 'UTC';
  const parts = zonedParts(epochMs, zone);
  let out = '';
  for (const token of tokenizePattern(String(pattern))) {
    if (token.kind === 'literal') out += token.text;
    else if (token.letter === 'p') throw new Error(`Pad letter 'p' must be followed by valid pad pattern: ${pattern}`);
    else out += formatField(token.letter, token.count, parts, epochMs, zone).padStart(token.padWidth ?? 0, ' ');
  }
  return out;
}

function formatField(letter: string, count: number, p: ZonedParts, epochMs: number, zone: string): string {
  switch (letter) {
    case 'y':
    case 'u':
      return count === 2 ? pad(p.year % 100, 2) : pad(p.year, count);
    case 'M':
    case 'L':
      if (count <= 2) return pad(p.month, count);
      if (count === 3) return MONTHS[p.month - 1].slice(0, 3);
      if (count === 4) return MONTHS[p.month - 1];
      return MONTHS[p.month - 1][0];
    case 'Y': {
      const { year } = weekBasedYear(p.year, p.month, p.day, p.weekday);
      return count === 2 ? pad(year % 100, 2) : pad(year, count);
    }
    case 'w':
      return pad(weekBasedYear(p.year, p.month, p.day, p.weekday).week, count);
    case 'W':
      return pad(weekOfMonth(p.day, p.weekday), count);
    case 'e':
    case 'c':
      if (count <= 2) return pad(localizedDayOfWeek(p.weekday), count);
      return formatField('E', count, p, epochMs, zone);
    case 'F':
      return String(TIME_CHOICES.letterF === 'alignedWeekOfMonth' ? Math.floor((p.day - 1) / 7) + 1 : ((p.day - 1) % 7) + 1).padStart(count, '0');
    case 'g':
      // Modified Julian Day: days since 1858-11-17.
      return pad(Math.floor(utcFromFields(p.year, p.month, p.day, 0, 0, 0, 0) / 86_400_000) + 40_587, count);
    case 'd':
      return pad(p.day, count);
    case 'D':
      return pad(dayOfYear(p.year, p.month, p.day), count);
    case 'H':
      return pad(p.hour, count);
    case 'k':
      return pad(p.hour === 0 ? 24 : p.hour, count);
    case 'h':
      return pad(p.hour % 12 === 0 ? 12 : p.hour % 12, count);
    case 'K':
      return pad(p.hour % 12, count);
    case 'm':
      return pad(p.minute, count);
    case 's':
      return pad(p.second, count);
    case 'S':
      return pad(p.millisecond, 3).padEnd(count, '0').slice(0, count);
    case 'n':
      return pad(p.millisecond * 1_000_000, count);
    case 'A':
      return pad(((p.hour * 60 + p.minute) * 60 + p.second) * 1000 + p.millisecond, count);
    case 'N':
      return pad((((p.hour * 60 + p.minute) * 60 + p.second) * 1000 + p.millisecond) * 1_000_000, count);
    case 'a':
      return p.hour < 12 ? 'AM' : 'PM';
    case 'B':
      return dayPeriod(epochMs, zone, count);
    case 'E':
      if (count <= 3) return WEEKDAYS[p.weekday - 1].slice(0, 3);
      if (count === 4) return WEEKDAYS[p.weekday - 1];
      return WEEKDAYS[p.weekday - 1][0];
    case 'G':
      return count === 4 ? 'Anno Domini' : count === 5 ? 'A' : 'AD';
    case 'Q':
    case 'q': {
      const quarter = Math.floor((p.month - 1) / 3) + 1;
      if (count <= 2) return pad(quarter, count);
      return count === 3 ? `Q${quarter}` : `${['1st', '2nd', '3rd', '4th'][quarter - 1]} quarter`;
    }
    case 'Z':
      if (count <= 3) return formatOffset(p.offsetMinutes, false, false);
      if (count === 4) return p.offsetMinutes === 0 ? 'GMT' : `GMT${formatOffset(p.offsetMinutes, true, false)}`;
      return p.offsetMinutes === 0 ? 'Z' : formatOffset(p.offsetMinutes, true, false);
    case 'X':
    case 'x':
      if (letter === 'X' && p.offsetMinutes === 0) return 'Z';
      if (count === 1) return formatOffset(p.offsetMinutes, false, true);
      return formatOffset(p.offsetMinutes, count === 3 || count === 5, false);
    case 'O':
      if (p.offsetMinutes === 0) return 'GMT';
      if (count === 4) return `GMT${formatOffset(p.offsetMinutes, true, false)}`;
      return `GMT${formatOffset(p.offsetMinutes, true, true).replace(/^([+-])0(\d)/, '$1$2')}`;
    case 'z':
      return zoneName(epochMs, zone, count === 4 ? 'long' : 'short');
    case 'v':
      // UTC has no generic name of its own ("GMT+0" from Intl); Java prints its specific name.
      if (zonedParts(epochMs, zone).offsetMinutes === 0 && /^(Etc\/)?(UTC|GMT|Z|Zulu|UCT|Universal)$/i.test(zone)) return formatField('z', count, p, epochMs, zone);
      return zoneName(epochMs, zone, count === 4 ? 'longGeneric' : 'shortGeneric');
    case 'V':
      return zone;
    default:
      return unknownLetter(letter);
  }
}

type FieldCapture = (value: string, fields: ParsedFields) => void;

interface ParsedFields {
  year?: number;
  month?: number;
  day?: number;
  dayOfYear?: number;
  weekBasedYear?: number;
  week?: number;
  localizedDayOfWeek?: number;
  hour?: number;
  clockHour?: number;
  pm?: boolean;
  minute?: number;
  second?: number;
  millisecond?: number;
  offsetMinutes?: number;
  zone?: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function digits(count: number, maxWhenSingle: number): string {
  return count === 1 ? `(\\d{1,${maxWhenSingle}})` : `(\\d{${count}})`;
}

function parseOffset(text: string): number {
  if (text === 'Z' || text === 'GMT' || text === 'UTC') return 0;
  const match = /^(?:GMT|UTC)?([+-])(\d{1,2}):?(\d{2})?$/.exec(text);
  if (match === null) throw new Error(`Unparseable offset '${text}'`);
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? '0');
  return match[1] === '-' ? -minutes : minutes;
}

function nameAlternatives(names: readonly string[], length: number | undefined): string {
  return `(${names.map((name) => (length === undefined ? name : name.slice(0, length))).join('|')})`;
}

function indexOfName(names: readonly string[], value: string, length: number | undefined): number {
  return names.findIndex((name) => (length === undefined ? name : name.slice(0, length)).toLowerCase() === value.toLowerCase());
}

function parseField(letter: string, count: number): { regex: string; capture: FieldCapture } {
  switch (letter) {
    case 'y':
    case 'u':
      if (count === 2) return { regex: '(\\d{2})', capture: (v, f) => (f.year = 2000 + Number(v)) };
      return { regex: count === 1 ? '(\\d+)' : `(\\d{${count},9})`, capture: (v, f) => (f.year = Number(v)) };
    case 'M':
    case 'L':
      if (count <= 2) return { regex: digits(count, 2), capture: (v, f) => (f.month = Number(v)) };
      if (count === 3) return { regex: nameAlternatives(MONTHS, 3), capture: (v, f) => (f.month = indexOfName(MONTHS, v, 3) + 1) };
      return { regex: nameAlternatives(MONTHS, undefined), capture: (v, f) => (f.month = indexOfName(MONTHS, v, undefined) + 1) };
    case 'Y':
      if (count === 2) return { regex: '(\\d{2})', capture: (v, f) => (f.weekBasedYear = 2000 + Number(v)) };
      return { regex: count === 1 ? '(\\d+)' : `(\\d{${count},9})`, capture: (v, f) => (f.weekBasedYear = Number(v)) };
    case 'w':
      return { regex: digits(count, 2), capture: (v, f) => (f.week = Number(v)) };
    case 'e':
    case 'c':
      if (count <= 2) return { regex: digits(count, 1), capture: (v, f) => (f.localizedDayOfWeek = Number(v)) };
      return parseField('E', count);
    case 'd':
      return { regex: digits(count, 2), capture: (v, f) => (f.day = Number(v)) };
    case 'D':
      return { regex: digits(count, 3), capture: (v, f) => (f.dayOfYear = Number(v)) };
    case 'H':
      return { regex: digits(count, 2), capture: (v, f) => (f.hour = Number(v)) };
    case 'k':
      return { regex: digits(count, 2), capture: (v, f) => (f.hour = Number(v) % 24) };
    case 'h':
      return { regex: digits(count, 2), capture: (v, f) => (f.clockHour = Number(v) % 12) };
    case 'K':
      return { regex: digits(count, 2), capture: (v, f) => (f.clockHour = Number(v)) };
    case 'm':
      return { regex: digits(count, 2), capture: (v, f) => (f.minute = Number(v)) };
    case 's':
      return { regex: digits(count, 2), capture: (v, f) => (f.second = Number(v)) };
    case 'S':
      return { regex: `(\\d{${count}})`, capture: (v, f) => (f.millisecond = Number(v.padEnd(3, '0').slice(0, 3))) };
    case 'n':
      return { regex: '(\\d{1,9})', capture: (v, f) => (f.millisecond = Math.floor(Number(v) / 1_000_000)) };
    case 'a':
      return { regex: '(AM|PM)', capture: (v, f) => (f.pm = v.toUpperCase() === 'PM') };
    case 'E':
      return { regex: count === 4 ? nameAlternatives(WEEKDAYS, undefined) : nameAlternatives(WEEKDAYS, count <= 3 ? 3 : 1), capture: () => undefined };
    case 'G':
      return { regex: '(AD|BC|Anno Domini|A|B)', capture: () => undefined };
    case 'Z':
      if (count <= 3) return { regex: '([+-]\\d{4})', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
      if (count === 4) return { regex: '(GMT(?:[+-]\\d{2}:\\d{2})?)', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
      return { regex: '(Z|[+-]\\d{2}:\\d{2})', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
    case 'X':
      return { regex: '(Z|[+-]\\d{2}(?::?\\d{2})?)', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
    case 'x':
      return { regex: '([+-]\\d{2}(?::?\\d{2})?)', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
    case 'O':
      return { regex: '(GMT(?:[+-]\\d{1,2}(?::\\d{2})?)?)', capture: (v, f) => (f.offsetMinutes = parseOffset(v)) };
    case 'z':
    case 'V':
      return {
        regex: '([A-Za-z][A-Za-z0-9_+\\-]*(?:/[A-Za-z0-9_+\\-]+)*)',
        capture: (v, f) => {
          if (v === 'Z' || v === 'UTC' || v === 'GMT') f.offsetMinutes = 0;
          else f.zone = v;
        },
      };
    default:
      return unknownLetter(letter);
  }
}

function parseFormatted(timestamp: string, pattern: string, timezone?: string): number {
  const captures: FieldCapture[] = [];
  let source = '';
  for (const token of tokenizePattern(String(pattern))) {
    if (token.kind === 'literal') {
      source += escapeRegExp(token.text);
    } else {
      const { regex, capture } = parseField(token.letter, token.count);
      source += regex;
      captures.push(capture);
    }
  }
  const match = new RegExp(`^${source}$`, 'i').exec(String(timestamp));
  if (match === null) throw new Error(`Text '${timestamp}' could not be parsed with pattern '${pattern}'`);
  const fields: ParsedFields = {};
  captures.forEach((capture, index) => capture(match[index + 1], fields));

  let year = fields.year ?? fields.weekBasedYear ?? 1970;
  let month = fields.month ?? 1;
  let day = fields.day ?? 1;
  if (fields.weekBasedYear !== undefined && fields.week !== undefined && fields.month === undefined && fields.day === undefined) {
    // Java resolves Y + w (+ e) to a date through WeekFields; the day defaults to the week's first.
    const offsetDays = (fields.week - 1) * 7 + ((fields.localizedDayOfWeek ?? 1) - 1);
    const date = new Date(firstDayOfWeekBasedYear(fields.weekBasedYear) + offsetDays * 86_400_000);
    year = date.getUTCFullYear();
    month = date.getUTCMonth() + 1;
    day = date.getUTCDate();
  } else if (fields.dayOfYear !== undefined && fields.month === undefined && fields.day === undefined) {
    const date = new Date(utcFromFields(year, 1, 1, 0, 0, 0, 0) + (fields.dayOfYear - 1) * 86_400_000);
    month = date.getUTCMonth() + 1;
    day = date.getUTCDate();
  }
  const hour = fields.hour ?? (fields.clockHour !== undefined ? fields.clockHour + (fields.pm === true ? 12 : 0) : 0);
  const wall = utcFromFields(year, month, day, hour, fields.minute ?? 0, fields.second ?? 0, fields.millisecond ?? 0);

  if (fields.offsetMinutes !== undefined) return wall - fields.offsetMinutes * 60_000;
  const zone = fields.zone ?? timezone ?? 'UTC';
  // Two passes settle the offset even when the wall time sits next to a DST transition.
  const firstGuess = wall - zonedParts(wall, zone).offsetMinutes * 60_000;
  return wall - zonedParts(firstGuess, zone).offsetMinutes * 60_000;
}
