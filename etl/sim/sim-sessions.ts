import { CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, type Session, sessionsBetween } from '../core/calendar.ts';
import type { IsoDate } from '../core/time.ts';

/** First and last dates the simulator has data for (the trading calendar's span). */
export const SIM_FIRST_DATE: IsoDate = `${CALENDAR_FIRST_YEAR}-01-01`;
export const SIM_LAST_DATE: IsoDate = `${CALENDAR_LAST_YEAR}-12-31`;

/** Every session of the calendar, in order; a session's position is its index in the simulator's series. */
export interface SessionIndex {
  sessions: Session[];
  /** Index of the session on a date, or -1. */
  indexOf(date: IsoDate): number;
  /** Index of the first session on or after the date (sessions.length when none). */
  firstOnOrAfter(date: IsoDate): number;
  /** Index of the last session on or before the date (-1 when none). */
  lastOnOrBefore(date: IsoDate): number;
}

let cached: SessionIndex | undefined;

export function simSessions(): SessionIndex {
  if (cached) return cached;
  const sessions: Session[] = sessionsBetween(SIM_FIRST_DATE, SIM_LAST_DATE);
  const byDate = new Map<IsoDate, number>(sessions.map((s, i) => [s.date, i]));
  const firstOnOrAfter = (date: IsoDate): number => {
    let lo = 0;
    let hi = sessions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sessions[mid].date < date) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  cached = {
    sessions,
    indexOf: (date) => byDate.get(date) ?? -1,
    firstOnOrAfter,
    lastOnOrBefore: (date) => {
      const i = firstOnOrAfter(date);
      return i < sessions.length && sessions[i].date === date ? i : i - 1;
    },
  };
  return cached;
}
