import type { DuckDBConnection } from '@duckdb/node-api';
import { sessionOn } from '../etl/core/calendar.ts';
import { MS_PER_MINUTE } from '../etl/core/time.ts';
import type { BarInput } from './bar-columns.ts';

/** The columns of the `bars` mart (etl/README.md), for tests that build their own in-memory warehouse. */
export const BARS_MART_DDL = `CREATE TABLE bars (
  symbol VARCHAR, interval VARCHAR, bar_start_at TIMESTAMPTZ, bar_end_at TIMESTAMPTZ, session_date DATE,
  open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume BIGINT,
  adj_open DOUBLE, adj_high DOUBLE, adj_low DOUBLE, adj_close DOUBLE, adj_volume DOUBLE)`;

/** Creates the `bars` table and inserts the given 1-minute bars (adjusted = raw). */
export async function createBarsTable(
  connection: DuckDBConnection,
  bars: readonly BarInput[],
): Promise<void> {
  await connection.run(BARS_MART_DDL);
  for (let i = 0; i < bars.length; i += 500) {
    const values = bars
      .slice(i, i + 500)
      .map(
        (b) =>
          `('${b.symbol}', '1min', to_timestamp(${b.startAt / 1000}), to_timestamp(${b.endAt / 1000}), DATE '${b.sessionDate}', ${b.open}, ${b.high}, ${b.low}, ${b.close}, ${b.volume}, ${b.open}, ${b.high}, ${b.low}, ${b.close}, ${b.volume})`,
      )
      .join(',\n');
    if (values) await connection.run(`INSERT INTO bars VALUES ${values}`);
  }
}

/**
 * Regular-session 1-minute bars of a symbol from the first minutes of a session: `opens[k]`/`closes[k]` are the
 * k-th bar's open and close (high/low bracket them).
 */
export function minuteBars(
  symbol: string,
  sessionDate: string,
  opens: readonly number[],
  closes: readonly number[],
  firstMinute = 0,
): BarInput[] {
  const session = sessionOn(sessionDate);
  if (!session) throw new RangeError(`${sessionDate} is not a trading day`);
  return closes.map((close, k) => {
    const startAt = session.openAt + (firstMinute + k) * MS_PER_MINUTE;
    const open = opens[k]!;
    return {
      symbol,
      sessionDate,
      startAt,
      endAt: startAt + MS_PER_MINUTE,
      open,
      high: Math.max(open, close),
      low: Math.min(open, close),
      close,
      volume: 1000,
    };
  });
}
