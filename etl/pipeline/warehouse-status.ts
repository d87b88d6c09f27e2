/**
 * `mqs status`: per symbol and interval, the first and last bar, sessions expected vs present, failed windows;
 * and the last runs. Coverage comes from the lake (no lock, never blocks the ETL); failed windows and runs come
 * from the writer's file, read only when no ETL holds it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listValue } from '@duckdb/node-api';
import type { Clock } from '../core/clock.ts';
import { LockedError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { acquireWriterLock } from '../core/writer-lock.ts';
import { EtlLedger } from '../load/etl-ledger.ts';
import { openWarehouseReader } from '../publish/warehouse-reader.ts';
import { ETL_DB_FILE } from '../publish/warehouse-writer.ts';

export interface SeriesStatus {
  symbol: string;
  interval: string;
  /** UTC ISO 8601. */
  first_bar_at: string;
  last_bar_at: string;
  sessions_expected: number;
  sessions_present: number;
  /** Sessions with fewer bars than the calendar expects (thin symbols, gaps). */
  sessions_short: number;
  failed_windows: number;
}

export interface RunRecord {
  load_id: number;
  command: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  rows: number | null;
  failed: number | null;
  /** Where the run's data came from (loads.source); null for runs before sources were recorded. */
  source: string | null;
}

export interface WarehouseStatus {
  series: SeriesStatus[];
  /** Failed windows by (dataset, symbol, interval, from, to); empty when the ETL holds the file. */
  failed_windows: Array<{
    dataset: string;
    symbol: string;
    interval: string;
    from: string;
    to: string;
    attempts: number;
    error: string | null;
  }>;
  runs: RunRecord[];
  /** The sources of the stored data (etl/pipeline/load-source.ts): one, unless loads predate the record. */
  sources: Array<string | null>;
  /** Set when an ETL was running, so windows and runs could not be read. */
  etl_running: string | undefined;
  /** Set when the warehouse folder is read-only for us: status takes no lock there, so windows and runs are not read. */
  read_only?: string;
}

/** A run still marked running in `loads` while we hold the etl lock was killed (kill -9, power loss): it died. */
export const DIED_RUN_STATUS = 'interrupted';

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch (error) {
    // a warehouse that does not exist yet is created by whoever writes first
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

const READ_ONLY = (dir: string) =>
  `${dir} is read-only for this user: failed windows and runs are read from etl.duckdb under the etl writer lock, which status cannot take here (run mqs status as the warehouse's owner to see them)`;

export async function readWarehouseStatus(
  warehouseDir: string,
  deps: { log: Logger; clock: Clock; symbols?: readonly string[]; runs?: number },
): Promise<WarehouseStatus> {
  const reader = await openWarehouseReader(warehouseDir);
  let series: SeriesStatus[];
  try {
    const only = deps.symbols && deps.symbols.length > 0 ? deps.symbols : undefined;
    const filter = only ? 'where list_contains($symbols, symbol)' : '';
    const result = await reader.query(
      `with spans as (
         select symbol, interval, min(bar_start_at) as first_bar_at, max(bar_start_at) as last_bar_at
         from bars ${filter} group by all
       ), cov as (
         select symbol, interval, count(*) as expected, count(*) filter (actual_bars > 0) as present,
                count(*) filter (actual_bars > 0 and actual_bars < expected_bars) as short
         from coverage ${filter} group by all
       )
       select spans.symbol, spans.interval,
              strftime(first_bar_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as first_bar_at,
              strftime(last_bar_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as last_bar_at,
              coalesce(expected, 0) as expected, coalesce(present, 0) as present, coalesce(short, 0) as short
       from spans left join cov using (symbol, interval)
       order by spans.symbol, spans.interval`,
      only ? { symbols: listValue([...only]) } : undefined,
    );
    series = result.getRowObjectsJS().map((r) => ({
      symbol: String(r.symbol),
      interval: String(r.interval),
      first_bar_at: String(r.first_bar_at),
      last_bar_at: String(r.last_bar_at),
      sessions_expected: Number(r.expected),
      sessions_present: Number(r.present),
      sessions_short: Number(r.short),
      failed_windows: 0,
    }));
  } finally {
    reader.close();
  }

  /** The lake's series without what the ledger in etl.duckdb adds (failed windows, runs, sources). */
  const withoutLedger = (extra: Partial<WarehouseStatus> = {}): WarehouseStatus => ({
    series,
    failed_windows: [],
    runs: [],
    sources: [],
    etl_running: undefined,
    ...extra,
  });
  // why: status only reads; on a warehouse it may not write it must not try to create etl.lock.
  const readOnly = () => withoutLedger({ read_only: READ_ONLY(warehouseDir) });
  if (!writable(warehouseDir)) return readOnly();
  // why: a warehouse no ETL has written (a fresh folder, or a WAREHOUSE_DIR with a typo) has no runs to show;
  // opening the ledger would create etl.duckdb (and the folder) from a command that only reads.
  if (!fs.existsSync(path.join(warehouseDir, ETL_DB_FILE))) return withoutLedger();
  let lock: Awaited<ReturnType<typeof acquireWriterLock>>;
  try {
    lock = await acquireWriterLock(warehouseDir, 'etl', {
      command: 'mqs status',
      waitMs: 0,
      clock: deps.clock,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return readOnly();
    if (!(error instanceof LockedError)) throw error;
    return withoutLedger({ etl_running: error.message });
  }
  try {
    const store = await EtlLedger.open(path.join(warehouseDir, ETL_DB_FILE), deps);
    try {
      const failed = (await store.windowStates({ status: 'failed' })).filter(
        (w) => !deps.symbols || deps.symbols.length === 0 || deps.symbols.includes(w.symbol),
      );
      for (const f of failed) {
        const s = series.find((x) => x.symbol === f.symbol && x.interval === f.interval);
        if (s) s.failed_windows++;
      }
      const runs = await store.connection.runAndReadAll(
        `select load_id, command, strftime(started_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as started_at,
                strftime(finished_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as finished_at, status,
                try_cast(summary->>'rows' as bigint) as rows, try_cast(json_array_length(summary->'failed') as bigint) as failed,
                source
         from loads order by load_id desc limit $n`,
        { n: deps.runs ?? 5 },
      );
      return {
        series,
        failed_windows: failed.map((f) => ({
          dataset: f.dataset,
          symbol: f.symbol,
          interval: f.interval,
          from: f.from,
          to: f.to,
          attempts: f.attempts,
          error: f.error,
        })),
        runs: runs.getRowObjectsJS().map((r) => ({
          load_id: Number(r.load_id),
          command: String(r.command),
          started_at: String(r.started_at),
          finished_at: r.finished_at === null ? null : String(r.finished_at),
          // why: we hold the etl lock, so no run is alive; one still marked running died without finishing.
          status: r.status === 'running' ? DIED_RUN_STATUS : String(r.status),
          rows: r.rows === null ? null : Number(r.rows),
          failed: r.failed === null ? null : Number(r.failed),
          source: r.source === null ? null : String(r.source),
        })),
        sources: await store.storedSources(),
        etl_running: undefined,
      };
    } finally {
      store.close();
    }
  } finally {
    lock.release();
  }
}
