// The UTC day and minute windows, from AppSync's clock (util.time), never Date.
import { util } from '@aws-appsync/utils';

const DAY_MS = 86400000;

export interface Clock {
  nowMs: number;
  nowIso: string;
  /** UTC calendar day, YYYY-MM-DD: the quota's key. */
  day: string;
  /** Next UTC midnight, when today's quota resets. */
  resetsAt: string;
  /** Minute of the UTC day as an attribute name (m0000…m1439): the per-minute window. */
  minuteAttr: string;
  /** Seconds until the current minute window ends (1…60). */
  secondsLeftInMinute: number;
  /** Epoch seconds two days from the start of today: TTL for usage items. */
  usageExpiresAt: number;
}

export function clock(): Clock {
  const nowMs = util.time.nowEpochMilliSeconds();
  const nowIso = util.time.epochMilliSecondsToISO8601(nowMs);
  const day = nowIso.slice(0, 10);
  const startOfDay = util.time.parseISO8601ToEpochMilliSeconds(day + 'T00:00:00Z');
  const minuteOfDay = Math.floor((nowMs - startOfDay) / 60000);
  const hh = Math.floor(minuteOfDay / 60);
  const mm = minuteOfDay % 60;
  return {
    nowMs,
    nowIso,
    day,
    resetsAt: util.time.epochMilliSecondsToISO8601(startOfDay + DAY_MS),
    minuteAttr: 'm' + (hh < 10 ? '0' : '') + hh + (mm < 10 ? '0' : '') + mm,
    secondsLeftInMinute: 60 - Math.floor(((nowMs - startOfDay) % 60000) / 1000),
    usageExpiresAt: Math.floor((startOfDay + 2 * DAY_MS) / 1000),
  };
}
