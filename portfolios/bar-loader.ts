import { type DuckDBConnection, type DuckDBValue, listValue } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { sessionsBetween } from '../etl/core/calendar.ts';
import type { IntradayInterval } from '../etl/core/intervals.ts';
import type { IsoDate } from '../etl/core/time.ts';
import type { BenchmarkSession } from './backtest-engine.ts';
import { allocateCloseOrderColumns, type BarColumns, toBarColumns } from './bar-columns.ts';

/** Which bars of the `bars` mart to load. Dates are New York session dates, both inclusive. */
export interface BarQuery {
  symbols: readonly string[];
  interval: IntradayInterval;
  from: IsoDate;
  to: IsoDate;
  /** Only bars that start within regular hours (09:30–16:00 New York, 13:00 on early closes). Default true. */
  regularSessionOnly?: boolean;
  /** Only bars that ended at or before this instant, UTC ms (paper runs: the latest closed bar). */
  endedBy?: number;
}

// why: the sessions come from the calendar the code owns, so the filter works on any `bars` relation (the mart or a
// test fixture) without a join to the sessions mart.
function sessionsValues(from: IsoDate, to: IsoDate): string {
  const sessions = sessionsBetween(from, to);
  if (sessions.length === 0)
    return `SELECT NULL::DATE AS session_date, 0::DOUBLE AS open_ms, 0::DOUBLE AS close_ms WHERE false`;
  return `SELECT * FROM (VALUES ${sessions
    .map((s) => `(DATE '${s.date}', ${s.openAt}::DOUBLE, ${s.closeAt}::DOUBLE)`)
    .join(', ')}) AS t(session_date, open_ms, close_ms)`;
}

/**
 * Loads bars of the `bars` mart in bulk into typed arrays, in bar-close order, with split-adjusted prices
 * (adj_* columns, falling back to the raw ones). Columns are copied chunk by chunk straight from DuckDB's vectors.
 */
export function loadBarColumns(connection: DuckDBConnection, query: BarQuery): Promise<BarColumns> {
  // why: the marts read the lake; a publish renaming a file during the read is retried from the start.
  return loadBarColumnsOnce(connection, query);
}

async function loadBarColumnsOnce(connection: DuckDBConnection, query: BarQuery): Promise<BarColumns> {
  const symbols = [...new Set(query.symbols)].sort();
  const regular = query.regularSessionOnly ?? true;
  const values: Record<string, DuckDBValue> = {
    symbols: listValue(symbols),
    interval: query.interval,
    from: query.from,
    to: query.to,
  };
  if (query.endedBy !== undefined) values.endedBy = query.endedBy;
  const where = [
    'b.interval = $interval',
    'b.session_date BETWEEN $from::DATE AND $to::DATE',
    regular ? 'epoch_ms(b.bar_start_at) >= s.open_ms AND epoch_ms(b.bar_start_at) < s.close_ms' : 'true',
    query.endedBy !== undefined ? 'epoch_ms(b.bar_end_at) <= $endedBy' : 'true',
  ].join(' AND ');
  // the universe: each symbol with its index in `symbols`
  const from = `bars b JOIN (SELECT $symbols[i + 1] AS symbol, i AS idx FROM range(len($symbols)) t(i)) u
      USING (symbol)
    ${regular ? `JOIN (${sessionsValues(query.from, query.to)}) s USING (session_date)` : ''}
    WHERE ${where}`;
  if (symbols.length === 0) return toBarColumns(allocateCloseOrderColumns(symbols, 0));
  const countReader = await connection.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${from}`, values);
  const total = countReader.getColumns()[0]![0] as number;
  const cols = allocateCloseOrderColumns(symbols, total);
  const result = await connection.stream(
    `
    SELECT u.idx::DOUBLE, epoch_ms(b.bar_start_at)::DOUBLE, epoch_ms(b.bar_end_at)::DOUBLE,
      (b.session_date - DATE '1970-01-01')::DOUBLE,
      coalesce(b.adj_open, b.open)::DOUBLE, coalesce(b.adj_high, b.high)::DOUBLE,
      coalesce(b.adj_low, b.low)::DOUBLE, coalesce(b.adj_close, b.close)::DOUBLE,
      coalesce(b.adj_volume, b.volume)::DOUBLE
    FROM ${from}
    ORDER BY b.bar_end_at, b.symbol`,
    values,
  );
  const scratch = [new Float64Array(0)];
  const targets = [
    null,
    cols.startAt,
    cols.endAt,
    null,
    cols.open,
    cols.high,
    cols.low,
    cols.close,
    cols.volume,
  ] as const;
  let offset = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    if (offset + rows > total)
      throw new Error(`bars changed while loading: more than the ${total} rows counted`);
    for (let c = 0; c < targets.length; c++) {
      const bytes = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, c), rows * 8);
      const target = targets[c];
      if (target) {
        new Uint8Array(target.buffer, target.byteOffset + offset * 8, rows * 8).set(bytes);
      } else {
        if (scratch[0]!.length < rows) scratch[0] = new Float64Array(rows);
        const tmp = scratch[0]!;
        new Uint8Array(tmp.buffer, 0, rows * 8).set(bytes);
        const ints = c === 0 ? cols.symbolIndex : cols.sessionDay;
        for (let i = 0; i < rows; i++) ints[offset + i] = tmp[i]!;
      }
    }
    offset += rows;
  }
  if (offset !== total) throw new Error(`bars changed while loading: counted ${total} rows, read ${offset}`);
  return toBarColumns(cols);
}

/** First open and last close of each regular session of the benchmark symbol, in date order. */
export function loadBenchmarkSessions(
  ...args: Parameters<typeof loadBenchmarkSessionsOnce>
): Promise<BenchmarkSession[]> {
  // why: the marts read the lake; a publish renaming a file during the read is retried from the start.
  return loadBenchmarkSessionsOnce(...args);
}

async function loadBenchmarkSessionsOnce(
  connection: DuckDBConnection,
  symbol: string,
  interval: IntradayInterval,
  from: IsoDate,
  to: IsoDate,
): Promise<BenchmarkSession[]> {
  const reader = await connection.runAndReadAll(
    `
    SELECT strftime(b.session_date, '%Y-%m-%d') AS d,
      arg_min(coalesce(b.adj_open, b.open), b.bar_start_at)::DOUBLE AS o,
      arg_max(coalesce(b.adj_close, b.close), b.bar_end_at)::DOUBLE AS c
    FROM bars b JOIN (${sessionsValues(from, to)}) s USING (session_date)
    WHERE b.symbol = $symbol AND b.interval = $interval
      AND b.session_date BETWEEN $from::DATE AND $to::DATE
      AND epoch_ms(b.bar_start_at) >= s.open_ms AND epoch_ms(b.bar_start_at) < s.close_ms
    GROUP BY 1 ORDER BY 1`,
    { symbol, interval, from, to },
  );
  return reader.getRowObjectsJS().map((r) => ({
    sessionDate: String(r.d),
    open: Number(r.o),
    close: Number(r.c),
  }));
}
