import { type DuckDBConnection, timestampTZValue } from '@duckdb/node-api';
import { sessionOn } from '../etl/core/calendar.ts';
import { seededRandom } from '../etl/core/seeded-random.ts';
import { MS_PER_MINUTE } from '../etl/core/time.ts';
import type { BarInput } from './bar-columns.ts';

/** The columns of the `bars` mart (etl/README.md), for tests that build their own in-memory warehouse. */
export const BARS_MART_DDL = `CREATE TABLE bars (
  symbol VARCHAR, interval VARCHAR, bar_start_at TIMESTAMPTZ, bar_end_at TIMESTAMPTZ, session_date DATE,
  open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume BIGINT,
  adj_open DOUBLE, adj_high DOUBLE, adj_low DOUBLE, adj_close DOUBLE, adj_volume DOUBLE)`;

/** Creates the `bars` table and appends the given 1-minute bars (adjusted = raw). */
export async function createBarsTable(
  connection: DuckDBConnection,
  bars: readonly BarInput[],
): Promise<void> {
  await connection.run(BARS_MART_DDL);
  const appender = await connection.createAppender('bars');
  const at = (ms: number) => timestampTZValue(BigInt(Math.round(ms * 1000)));
  try {
    for (const b of bars) {
      appender.appendVarchar(b.symbol);
      appender.appendVarchar('1min');
      appender.appendTimestampTZ(at(b.startAt));
      appender.appendTimestampTZ(at(b.endAt));
      appender.appendVarchar(b.sessionDate);
      for (const price of [b.open, b.high, b.low, b.close]) appender.appendDouble(price);
      appender.appendBigInt(BigInt(Math.round(b.volume)));
      for (const adjusted of [b.open, b.high, b.low, b.close, b.volume]) appender.appendDouble(adjusted);
      appender.endRow();
    }
  } finally {
    appender.closeSync();
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

/**
 * Regular-session 1-minute random-walk bars for each symbol and session (each minute's close moves by up to
 * ±`maxMovePct` percent), deterministic for a seed. `minutes` bars per session from the open (default all).
 */
export function randomWalkBars(
  symbols: readonly string[],
  sessionDates: readonly string[],
  options: { seed: number; maxMovePct: number; minutes?: number; startPrice?: number },
): BarInput[] {
  const random = seededRandom(options.seed);
  const out: BarInput[] = [];
  for (const symbol of symbols) {
    let price = options.startPrice ?? 100;
    for (const date of sessionDates) {
      const session = sessionOn(date);
      if (!session) throw new RangeError(`${date} is not a trading day`);
      const count = options.minutes ?? (session.closeAt - session.openAt) / MS_PER_MINUTE;
      const opens: number[] = [];
      const closes: number[] = [];
      for (let k = 0; k < count; k++) {
        const open = Math.round(price * (1 + (random() - 0.5) * 0.001) * 100) / 100;
        price = Math.round(open * (1 + ((random() - 0.5) * 2 * options.maxMovePct) / 100) * 100) / 100;
        opens.push(open);
        closes.push(price);
      }
      out.push(...minuteBars(symbol, date, opens, closes));
    }
  }
  return out;
}

/** Publishes the bars to `<warehouseDir>/lake/` as the warehouse's publish step would, for `openWarehouseReader`. */
export async function writeBarsLake(warehouseDir: string, bars: readonly BarInput[]): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { copyBarsToLake } = await import('../etl/publish/testing/copy-bars-to-lake.ts');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await createBarsTable(connection, bars);
    await copyBarsToLake(connection, 'bars', warehouseDir);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
