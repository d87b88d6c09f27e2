/**
 * The ETL's state in `WAREHOUSE_DIR/etl.duckdb`: window states, quarantined bars, the loads ledger and the lake
 * version the ledger reflects. No market data lives here (the lake is its one store): window states reach the
 * ledger with the snapshot that published their rows (applyManifestWindows), and a ledger behind the lake after
 * a crash replays the missing snapshots' changes when it opens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Clock } from '../core/clock.ts';
import { errorMessage, UsageError } from '../core/errors.ts';
import type { IntradayInterval } from '../core/intervals.ts';
import type { Logger } from '../core/log.ts';
import type { IsoDate } from '../core/time.ts';
import type { QuarantinedBar } from '../transform/transform-intraday.ts';
import { applyMigrations } from './migrations.ts';

/**
 * Datasets the ETL fills, named after their tables in the lake and their views: the `dataset` of a window, the
 * `--datasets` of `mqs etl`, the plan's and the summary's (`mqs etl --datasets` still takes the earlier names
 * `intraday` and `daily`: etl/pipeline/plan.ts).
 */
export const DATASETS = ['bars', 'eod_bars', 'splits', 'dividends'] as const;
export type Dataset = (typeof DATASETS)[number];

/** A window's interval: the bars' interval for `bars`; '' for the other datasets. */
export type WindowInterval = IntradayInterval | '';

/** A unit of work: one request's worth of one dataset. Dates are New York, both inclusive. */
export interface WindowKey {
  dataset: Dataset;
  symbol: string;
  interval: WindowInterval;
  from: IsoDate;
  to: IsoDate;
}

export type WindowStatus = 'loaded' | 'empty' | 'failed';

export interface WindowState extends WindowKey {
  status: WindowStatus;
  /** Commits and failures recorded for this window so far. */
  attempts: number;
  rowCount: number;
  quarantinedCount: number;
  loadId: number;
  error: string | null;
  /** UTC ms. */
  updatedAt: number;
}

/** Last date through which a (dataset, symbol, interval) is loaded (or known empty). */
export interface Watermark {
  dataset: Dataset;
  symbol: string;
  interval: string;
  throughDate: IsoDate;
}

/** A window's new state as a commit leaves it; published with the snapshot that holds its rows. */
export interface WindowChange {
  dataset: string;
  symbol: string;
  interval: string;
  from: string;
  to: string;
  status: WindowStatus;
  rowCount: number;
  error: string | null;
  loadId: number;
  /** Commits of the window this state sums up (a window polled live is committed many times). Default 1. */
  commits?: number;
  /** The window's quarantined bars (undefined leaves the stored ones alone). */
  quarantined?: QuarantinedBar[];
}

export interface LoadSummary {
  status: 'ok' | 'partial' | 'failed';
  [field: string]: unknown;
}

export interface LedgerOptions {
  log: Logger;
  clock: Clock;
  /** DuckDB buffer-pool cap, MB. Default 1024. */
  memoryLimitMb?: number;
  /** Runs on the open connection before the migrations (the v1 upgrade publishes the old tables there). */
  beforeMigrations?: (connection: DuckDBConnection) => Promise<void>;
}

// why: recreating a temp table is far cheaper than deleting its rows.
const STG_WINDOWS_DDL = `create or replace temp table stg_windows (dataset varchar, symbol varchar,
  interval varchar, from_date varchar, to_date varchar, status varchar, row_count bigint, quarantined_count bigint,
  error varchar, replace_quarantine boolean, load_id bigint, commits bigint)`;
const STG_QUARANTINE_DDL = `create or replace temp table stg_quarantine (dataset varchar, symbol varchar,
  interval varchar, from_date varchar, to_date varchar, label varchar, reason varchar, open double, high double,
  low double, close double, volume double, load_id bigint)`;

/** The window key of a row selected with dataset, symbol, interval, "from" and "to" columns. */
function windowKeyOf(r: Record<string, unknown>): WindowKey {
  return {
    dataset: r.dataset as Dataset,
    symbol: String(r.symbol),
    interval: String(r.interval) as WindowInterval,
    from: String(r.from),
    to: String(r.to),
  };
}

const microsToTimestamp = (name: string) => `make_timestamp(${name}::bigint)::timestamptz`;

/** Whether a ledger still holds the v1 data tables (bars in etl.duckdb) that the lake v2 upgrade publishes. */
export async function holdsV1Tables(connection: DuckDBConnection): Promise<boolean> {
  const tables = new Set(
    (await connection.runAndReadAll("select table_name from duckdb_tables() where schema_name = 'main'"))
      .getRowsJS()
      .map((r) => String(r[0])),
  );
  return tables.has('bars') && !tables.has('lake_state');
}

export class EtlLedger {
  private constructor(
    readonly connection: DuckDBConnection,
    private readonly instance: DuckDBInstance,
    private readonly options: LedgerOptions,
  ) {}

  /** Opens (creating if needed) the ledger file and applies pending migrations. */
  static async open(dbFile: string, options: LedgerOptions): Promise<EtlLedger> {
    fs.mkdirSync(path.dirname(dbFile), { recursive: true });
    // why: one instance per file per process, always through the cache (a second instance corrupts the file).
    const instance = await DuckDBInstance.fromCache(dbFile);
    const connection = await instance.connect();
    try {
      // why: DuckDB's default buffer pool is 80% of RAM; a cap keeps a long backfill's memory flat (sorts and
      // staged rows beyond it spill to disk).
      await connection.run(`set memory_limit = '${Math.round(options.memoryLimitMb ?? 1024)}MB'`);
      await connection.run("set TimeZone = 'UTC'");
      if (options.beforeMigrations) await options.beforeMigrations(connection);
      else if (await holdsV1Tables(connection))
        // why: migration 004 drops the v1 data tables; only the writer, which publishes them first, may run it.
        throw new UsageError(
          `${dbFile} was written by an older mqs (bars inside etl.duckdb); run \`mqs etl\` once to upgrade the warehouse to lake v2`,
        );
      await applyMigrations(connection);
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw error;
    }
    return new EtlLedger(connection, instance, options);
  }

  /** `source`: where the run's data comes from (etl/pipeline/load-source.ts). */
  async beginLoad(command: string, args: unknown = null, source: string | null = null): Promise<number> {
    // why: one writer at a time (the etl lock), so the next id is the largest plus one; unlike a sequence it
    // survives the ledger's compaction into a fresh file (the v1 upgrade).
    const reader = await this.connection.runAndReadAll(
      `insert into loads (load_id, command, started_at, status, summary, source)
       select coalesce(max(load_id), 0) + 1, $command, ${microsToTimestamp('$now')}, 'running', $args::json,
              $source::varchar
       from loads
       returning load_id`,
      { command, now: BigInt(this.options.clock.now()) * 1000n, args: JSON.stringify(args), source },
    );
    return Number(reader.getRowsJS()[0]![0]);
  }

  async finishLoad(loadId: number, summary: LoadSummary): Promise<void> {
    await this.connection.run(
      `update loads set finished_at = ${microsToTimestamp('$now')}, status = $status, summary = $summary::json
       where load_id = $loadId`,
      {
        now: BigInt(this.options.clock.now()) * 1000n,
        status: summary.status,
        summary: JSON.stringify(summary),
        loadId,
      },
    );
  }

  /** The lake version whose window changes the ledger holds (0 before the first publish). */
  async lakeVersion(): Promise<number> {
    const rows = (await this.connection.runAndReadAll('select max(version) from lake_state')).getRowsJS();
    return Number(rows[0]?.[0] ?? 0);
  }

  /**
   * Applies the window changes a snapshot published (attempts + 1 each, quarantine rows replaced when given)
   * and records its version, in one transaction. A version the ledger already holds is skipped.
   */
  async applyManifestWindows(version: number, windows: readonly WindowChange[]): Promise<void> {
    if (version <= (await this.lakeVersion())) return;
    await this.stageStates(windows);
    await this.inTransaction(async () => {
      await this.writeStagedStates(windows.some((w) => (w.quarantined?.length ?? 0) > 0));
      await this.connection.run('delete from lake_state');
      await this.connection.run('insert into lake_state values ($version)', { version });
    });
  }

  /** Marks a window failed (attempts + 1) with the error's message; its published rows stay as they were. */
  async recordFailure(key: WindowKey, error: unknown, loadId: number): Promise<void> {
    const state: WindowChange = {
      ...key,
      status: 'failed',
      rowCount: 0,
      error: errorMessage(error),
      loadId,
    };
    await this.stageStates([state]);
    await this.inTransaction(() => this.writeStagedStates(false));
  }

  /** The sources of the loads whose windows are stored (null: a load from before sources were recorded). */
  async storedSources(): Promise<Array<string | null>> {
    const reader = await this.connection.runAndReadAll(
      `select distinct source from loads where load_id in
         (select load_id from windows where status in ('loaded', 'empty') or row_count > 0) order by all`,
    );
    return reader.getRowsJS().map((r) => (r[0] === null ? null : String(r[0])));
  }

  /** Window states, optionally of one dataset / symbol / interval / status. */
  async windowStates(
    filter: Partial<Pick<WindowState, 'dataset' | 'symbol' | 'interval' | 'status'>> = {},
  ): Promise<WindowState[]> {
    const given = Object.entries(filter).filter(([, v]) => v !== undefined);
    const where = given.map(([k]) => `${k} = $${k}`);
    const reader = await this.connection.runAndReadAll(
      `select dataset, symbol, interval, strftime(from_date, '%Y-%m-%d') as "from", strftime(to_date, '%Y-%m-%d') as "to",
              status, attempts, row_count, quarantined_count, load_id, error, epoch_ms(updated_at) as updated_at
       from windows ${where.length ? `where ${where.join(' and ')}` : ''}
       order by dataset, symbol, interval, from_date`,
      Object.fromEntries(given) as Record<string, string>,
    );
    return reader.getRowObjectsJS().map((r) => ({
      ...windowKeyOf(r),
      status: r.status as WindowStatus,
      attempts: Number(r.attempts),
      rowCount: Number(r.row_count),
      quarantinedCount: Number(r.quarantined_count),
      loadId: Number(r.load_id),
      error: r.error === null ? null : String(r.error),
      updatedAt: Number(r.updated_at),
    }));
  }

  /** Quarantined bars (optionally of one symbol), with their window, oldest window first. */
  async quarantined(symbol?: string): Promise<(QuarantinedBar & WindowKey)[]> {
    const reader = await this.connection.runAndReadAll(
      `select dataset, symbol, interval, strftime(from_date, '%Y-%m-%d') as "from", strftime(to_date, '%Y-%m-%d') as "to",
              label, reason, open, high, low, close, volume
       from quarantine ${symbol === undefined ? '' : 'where symbol = $symbol'}
       order by dataset, symbol, interval, from_date, label`,
      symbol === undefined ? {} : { symbol },
    );
    return reader.getRowObjectsJS().map((r) => ({
      ...windowKeyOf(r),
      label: String(r.label),
      reason: String(r.reason),
      open: Number(r.open),
      high: Number(r.high),
      low: Number(r.low),
      close: Number(r.close),
      volume: Number(r.volume),
    }));
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /**
   * Stages state rows (and, unless `quarantined` is undefined, the window's quarantine rows) in temp tables.
   * why: appenders run outside the transaction; the staged rows are written by writeStagedStates inside it.
   */
  private async stageStates(entries: readonly WindowChange[]): Promise<void> {
    const con = this.connection;
    await con.run(STG_WINDOWS_DDL);
    await con.run(STG_QUARANTINE_DDL);
    const windows = await con.createAppender('stg_windows', 'main', 'temp');
    const quarantine = await con.createAppender('stg_quarantine', 'main', 'temp');
    try {
      for (const entry of entries) {
        const keyCells = (a: typeof windows) => {
          a.appendVarchar(entry.dataset);
          a.appendVarchar(entry.symbol);
          a.appendVarchar(entry.interval);
          a.appendVarchar(entry.from);
          a.appendVarchar(entry.to);
        };
        keyCells(windows);
        windows.appendVarchar(entry.status);
        windows.appendBigInt(BigInt(entry.rowCount));
        windows.appendBigInt(BigInt(entry.quarantined?.length ?? 0));
        if (entry.error === null) windows.appendNull();
        else windows.appendVarchar(entry.error);
        windows.appendBoolean(entry.quarantined !== undefined);
        windows.appendBigInt(BigInt(entry.loadId));
        windows.appendBigInt(BigInt(entry.commits ?? 1));
        windows.endRow();
        for (const bar of entry.quarantined ?? []) {
          keyCells(quarantine);
          quarantine.appendVarchar(bar.label);
          quarantine.appendVarchar(bar.reason);
          for (const value of [bar.open, bar.high, bar.low, bar.close, bar.volume])
            quarantine.appendDouble(value);
          quarantine.appendBigInt(BigInt(entry.loadId));
          quarantine.endRow();
        }
      }
    } finally {
      windows.closeSync();
      quarantine.closeSync();
    }
  }

  /** Upserts the staged windows' state rows (attempts + 1) and quarantine rows; call inside the transaction. */
  private async writeStagedStates(hasQuarantine: boolean): Promise<void> {
    const con = this.connection;
    const key = `o.dataset = n.dataset and o.symbol = n.symbol and o.interval = n.interval
      and o.from_date = n.from_date::date and o.to_date = n.to_date::date`;
    const params = { now: BigInt(this.options.clock.now()) * 1000n };
    await con.run(
      `update windows o set status = n.status, attempts = o.attempts + n.commits, row_count = n.row_count,
         quarantined_count = n.quarantined_count, load_id = n.load_id, error = n.error,
         updated_at = ${microsToTimestamp('$now')}
       from stg_windows n where ${key}`,
      params,
    );
    await con.run(
      `insert into windows
       select n.dataset, n.symbol, n.interval, n.from_date::date, n.to_date::date, n.status, n.commits,
              n.row_count, n.quarantined_count, n.load_id, n.error, ${microsToTimestamp('$now')}
       from stg_windows n where not exists (select 1 from windows o where ${key})`,
      params,
    );
    await con.run(`delete from quarantine o using stg_windows n where ${key} and n.replace_quarantine`);
    if (!hasQuarantine) return;
    await con.run(
      `insert into quarantine
       select q.dataset, q.symbol, q.interval, q.from_date::date, q.to_date::date, q.label, q.reason, q.open,
              q.high, q.low, q.close, q.volume, q.load_id
       from stg_quarantine q`,
    );
  }

  private async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run('begin transaction');
    try {
      const result = await work();
      await this.connection.run('commit');
      return result;
    } catch (error) {
      await this.connection.run('rollback').catch(() => undefined);
      throw error;
    }
  }
}
