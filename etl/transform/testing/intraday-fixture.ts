/**
 * Deterministic FMP-shaped intraday columns for tests: regular-session bars on the calendar's grid, newest first,
 * labels in New York wall time, as the FMP client hands them over.
 */
import { sessionsBetween } from '../../core/calendar.ts';
import { barStartsOfSession, type IntradayInterval } from '../../core/intervals.ts';
import { hashString, seededRandom } from '../../core/seeded-random.ts';
import { type IsoDate, utcMsToNyWallMs } from '../../core/time.ts';
import { zeroIntradayColumns } from '../../extract/fmp-schemas.ts';
import type { FmpIntradayColumns } from '../../extract/fmp-types.ts';

/** Bars of every session from `from` to `to` (New York dates, inclusive), newest first. */
export function fixtureIntradayColumns(
  symbol: string,
  interval: IntradayInterval,
  from: IsoDate,
  to: IsoDate,
  variant = 0,
): FmpIntradayColumns {
  const starts = sessionsBetween(from, to).flatMap((s) => barStartsOfSession(s, interval));
  const n = starts.length;
  const next = seededRandom(hashString(`${symbol}/${interval}/${variant}`));
  const columns = zeroIntradayColumns(n);
  let price = 50 + next() * 100;
  for (let k = 0; k < n; k++) {
    const i = n - 1 - k; // newest first
    const open = Math.round(price * 100) / 100;
    const close = Math.round(open * (1 + (next() - 0.5) * 0.01) * 100) / 100;
    columns.wallMs[i] = utcMsToNyWallMs(starts[k]!);
    columns.open[i] = open;
    columns.close[i] = close;
    columns.high[i] = Math.max(open, close) + Math.round(next() * 10) / 100;
    columns.low[i] = Math.min(open, close) - Math.round(next() * 10) / 100;
    columns.volume[i] = Math.floor(next() * 10_000);
    price = close;
  }
  return columns;
}
