import type { Session } from './calendar.ts';
import { UsageError } from './errors.ts';
import { MS_PER_MINUTE } from './time.ts';

export const INTRADAY_INTERVALS = ['1min', '5min', '15min', '30min', '1hour', '4hour'] as const;
export type IntradayInterval = (typeof INTRADAY_INTERVALS)[number];

/** Nominal length of a bar, minutes. */
export const INTERVAL_MINUTES: Record<IntradayInterval, number> = {
  '1min': 1,
  '5min': 5,
  '15min': 15,
  '30min': 30,
  '1hour': 60,
  '4hour': 240,
};

export function isIntradayInterval(text: string): text is IntradayInterval {
  return (INTRADAY_INTERVALS as readonly string[]).includes(text);
}

export function parseInterval(text: string): IntradayInterval {
  if (!isIntradayInterval(text)) {
    throw new UsageError(
      `unknown interval ${JSON.stringify(text)}: use one of ${INTRADAY_INTERVALS.join(', ')}`,
    );
  }
  return text;
}

/**
 * Start instants (UTC ms) of the regular-session bars of an interval, on FMP's grid: every N minutes from the
 * 09:30 open, the last bar cut short by the close (so 1hour bars start at 09:30, 10:30 … 15:30).
 * why: FMP's 4hour bars start at 09:30 and 12:30 (docs/fmp.md#new-york-wall-clock-labels), not on a 4-hour grid.
 */
export function barStartsOfSession(session: Session, interval: IntradayInterval): number[] {
  if (interval === '4hour') {
    const second = session.openAt + 180 * MS_PER_MINUTE;
    return second < session.closeAt ? [session.openAt, second] : [session.openAt];
  }
  const step = INTERVAL_MINUTES[interval] * MS_PER_MINUTE;
  const starts: number[] = [];
  for (let t = session.openAt; t < session.closeAt; t += step) starts.push(t);
  return starts;
}

/** Number of regular-session bars of an interval in a session (early closes have fewer). */
export function expectedBarCount(session: Session, interval: IntradayInterval): number {
  return barStartsOfSession(session, interval).length;
}

/**
 * End instant (UTC ms) of a bar that starts at `startMs`: within regular hours the next bar's start on the grid or
 * the session close, whichever comes first; outside them (extended hours) start + the interval.
 */
export function barEndAt(startMs: number, interval: IntradayInterval, session: Session): number {
  const nominalEnd = startMs + INTERVAL_MINUTES[interval] * MS_PER_MINUTE;
  // why: extended-hours bars (before the open, after the close) run their full length.
  if (startMs < session.openAt || startMs >= session.closeAt) return nominalEnd;
  if (interval === '4hour') {
    const second = session.openAt + 180 * MS_PER_MINUTE;
    return Math.min(startMs < second ? second : session.closeAt, session.closeAt);
  }
  return Math.min(nominalEnd, session.closeAt);
}
