/**
 * The writer's DuckDB file (`WAREHOUSE_DIR/etl.duckdb`): bars and the other datasets, window state, quarantine,
 * the loads ledger. Every window is merged from a staging table with an anti-join on its key IN THE SAME
 * TRANSACTION as its state row, so a crash leaves the old state or the new one and a rerun converges.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  BIGINT,
  DATE,
  DOUBLE,
  type DuckDBConnection,
  DuckDBInstance,
  TIMESTAMPTZ,
  VARCHAR,
} from '@duckdb/node-api';
import type { Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { formatDayNumber, type IsoDate, MS_PER_DAY } from '../core/time.ts';
import type { FmpDividend, FmpEodBar, FmpSplit } from '../extract/fmp-types.ts';
import type { BarBatch } from '../transform/bar-batch-schema.ts';
import { barColumnsOf } from '../transform/bar-batch-schema.ts';
import type { IntradayWindow, QuarantinedBar } from '../transform/transform-intraday.ts';
import { applyMigrations } from './migrations.ts';
import { StagedBarsFunction } from './staged-bars-function.ts';

/** Tables the ETL fills; also the `dataset` of a window. */
export type Dataset = 'bars' | 'eod_bars' | 'splits' | 'dividends';

/** A unit of work: one request's worth of one dataset. Dates are New York, both inclusive. */
export interface WindowKey {
  dataset: Dataset;
  symbol: string;
  /** Intraday interval for `bars`; '' for the other datasets. */
  interval: string;
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

/** One intraday window ready to commit: the output of transformIntraday. */
export interface IntradayCommit {
  window: IntradayWindow;
  batch: BarBatch;
  quarantined: readonly QuarantinedBar[];
  /**
   * Set when the rows are known to be incomplete (a session polled live): the window's state is stored as failed
   * with this reason in the same transaction as the rows, so the next run fetches it whole.
   */
  incompleteReason?: string;
}

/** Rows a commit changed in the dataset table: 0 and 0 on a rerun over complete data. */
export interface CommitResult {
  inserted: number;
  replaced: number;
}

export interface LoadSummary {
  status: 'ok' | 'partial' | 'failed';
  [field: string]: unknown;
}

interface StagedState {
  key: WindowKey;
  status: WindowStatus;
  rowCount: number;
  /** Undefined leaves the window's quarantine rows alone (a failure). */
  quarantined: readonly QuarantinedBar[] | undefined;
  error: string | null;
}

export interface StoreOptions {
  log: Logger;
  clock: Clock;
  /** DuckDB buffer-pool cap of the writer, MB. Default 1024. */
  memoryLimitMb?: number;
  /**
   * Buffer-pool cap, MB, while merging a commit into stored bars and while publishing (joins and sorts against
   * the stored table need more than appends). Default memoryLimitMb.
   */
  mergeMemoryLimitMb?: number;
}

const BAR_COLUMNS = [
  ['symbol', VARCHAR],
  ['interval', VARCHAR],
  ['bar_start_at', TIMESTAMPTZ],
  ['bar_end_at', TIMESTAMPTZ],
  ['session_date', DATE],
  ['open', DOUBLE],
  ['high', DOUBLE],
  ['low', DOUBLE],
  ['close', DOUBLE],
  ['volume', BIGINT],
  ['load_id', BIGINT],
] as const;

// why: recreating a temp table is far cheaper than deleting its rows.
const STG_WINDOWS_DDL = `create or replace temp table stg_windows (dataset varchar, symbol varchar,
  interval varchar, from_date varchar, to_date varchar, status varchar, row_count bigint, quarantined_count bigint,
  error varchar, replace_quarantine boolean)`;
const STG_QUARANTINE_DDL = `create or replace temp table stg_quarantine (dataset varchar, symbol varchar,
  interval varchar, from_date varchar, to_date varchar, label varchar, reason varchar, open double, high double,
  low double, close double, volume double)`;

const BAR_VALUE_COLUMNS = ['bar_end_at', 'session_date', 'open', 'high', 'low', 'close', 'volume'];

interface SmallDatasetSpec {
  table: Exclude<Dataset, 'bars'>;
  /** Staging columns; dates travel as VARCHAR and are cast in `typed`. */
  staging: string;
  typed: string;
  keys: string[];
  values: string[];
  /** SQL over the typed staging rows naming the lake partition a row belongs to. */
  partition: string;
}

const SMALL_DATASETS: Record<Exclude<Dataset, 'bars'>, SmallDatasetSpec> = {
  eod_bars: {
    table: 'eod_bars',
    staging:
      'symbol varchar, date varchar, open double, high double, low double, close double, volume double, vwap double, load_id bigint',
    typed:
      'symbol, date::date as date, open, high, low, close, round(volume)::bigint as volume, vwap, load_id',
    keys: ['symbol', 'date'],
    values: ['open', 'high', 'low', 'close', 'volume', 'vwap'],
    partition: "strftime(date, 'year=%Y')",
  },
  splits: {
    table: 'splits',
    staging: 'symbol varchar, date varchar, numerator double, denominator double, load_id bigint',
    typed: 'symbol, date::date as date, numerator, denominator, load_id',
    keys: ['symbol', 'date'],
    values: ['numerator', 'denominator'],
    partition: "'all'",
  },
  dividends: {
    table: 'dividends',
    staging:
      'symbol varchar, date varchar, record_date varchar, payment_date varchar, declaration_date varchar, dividend double, adj_dividend double, frequency varchar, load_id bigint',
    typed:
      'symbol, date::date as date, record_date::date as record_date, payment_date::date as payment_date, declaration_date::date as declaration_date, dividend, adj_dividend, frequency, load_id',
    keys: ['symbol', 'date'],
    values: ['record_date', 'payment_date', 'declaration_date', 'dividend', 'adj_dividend', 'frequency'],
    partition: "'all'",
  },
};

/** `YYYY-MM` of every month that session dates (days since 1970-01-01, ascending) fall in. */
function monthsOf(sessionDays: Int32Array): string[] {
  const months: string[] = [];
  let last = '';
  for (let i = 0; i < sessionDays.length; ) {
    const month = formatDayNumber(sessionDays[i]!).slice(0, 7);
    if (month !== last) months.push(month);
    last = month;
    // why: days are ascending; jump to the first day of the next month instead of visiting every bar.
    const [y, m] = month.split('-').map(Number) as [number, number];
    const nextMonthDay = Date.UTC(m === 12 ? y + 1 : y, m === 12 ? 0 : m, 1) / MS_PER_DAY;
    let lo = i;
    let hi = sessionDays.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sessionDays[mid]! < nextMonthDay) lo = mid + 1;
      else hi = mid;
    }
    i = lo;
  }
  return months;
}

/**
 * Staged rows merged per group on the replace path, per MB of the merge cap (see commitIntraday). why: the join's
 * hash table holds a group's rows with all their values; 2,500 a MB (240k at the ETL's 96 MB) merged a re-commit
 * of a 3.9M-bar month, and 80k fit a 32 MB cap where one 195k-row group ran out of memory.
 */
const MERGE_GROUP_ROWS_PER_MB = 2_500;

/** The commits' symbols in groups of at most `maxRows` staged rows (a larger symbol is a group of its own). */
function symbolGroups(commits: readonly IntradayCommit[], maxRows: number): string[][] {
  const rows = new Map<string, number>();
  for (const c of commits) rows.set(c.window.symbol, (rows.get(c.window.symbol) ?? 0) + c.batch.numRows);
  const groups: string[][] = [];
  let group: string[] = [];
  let groupRows = 0;
  for (const [symbol, n] of rows) {
    if (group.length > 0 && groupRows + n > maxRows) {
      groups.push(group);
      group = [];
      groupRows = 0;
    }
    group.push(symbol);
    groupRows += n;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

const microsToTimestamp = (name: string) => `make_timestamp(${name}::bigint)::timestamptz`;
const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

export class WarehouseStore {
  /**
   * `dataset|partition` marks this process has committed and not cleared. why: a backfill touches the same few
   * month partitions in every commit; marking them once saves a statement per partition per commit. Only this
   * process writes the file (the writer lock), so the set cannot go stale.
   */
  private readonly markedDirty = new Set<string>();
  /** Settings to undo once a failed transaction is rolled back (see resetAfterFailure). */
  private afterRollback: string[] = [];
  /** withMergeMemory calls in progress. */
  private mergeDepth = 0;

  /** Buffer-pool cap while appending, MB. */
  private get appendCapMb(): number {
    return Math.round(this.options.memoryLimitMb ?? 1024);
  }

  /** Buffer-pool cap while merging into stored bars and publishing, MB. */
  private get mergeCapMb(): number {
    return Math.round(this.options.mergeMemoryLimitMb ?? this.appendCapMb);
  }

  private constructor(
    readonly connection: DuckDBConnection,
    private readonly instance: DuckDBInstance,
    private readonly options: StoreOptions,
    private readonly stagedBars: StagedBarsFunction,
    private readonly stagedBarsParallel: StagedBarsFunction,
  ) {}

  /** Opens (creating if needed) the writer's DuckDB file and applies pending migrations. */
  static async open(dbFile: string, options: StoreOptions): Promise<WarehouseStore> {
    fs.mkdirSync(path.dirname(dbFile), { recursive: true });
    // why: one instance per file per process, always through the cache (a second instance corrupts the file).
    const instance = await DuckDBInstance.fromCache(dbFile);
    const connection = await instance.connect();
    // why: with the default 16 MB threshold every large commit also checkpointed the table (most of the commit
    // time in the load bench); a larger WAL is checkpointed less often and replayed after a crash.
    await connection.run("set checkpoint_threshold = '256MB'");
    // why: DuckDB's default buffer pool is 80% of RAM; a cap keeps a long backfill's memory flat (publish sorts
    // beyond it spill to disk).
    await connection.run(`set memory_limit = '${Math.round(options.memoryLimitMb ?? 1024)}MB'`);
    await connection.run("set TimeZone = 'UTC'");
    await applyMigrations(connection);
    const stagedBars = new StagedBarsFunction(connection, 'mqs_staged_bars', BAR_COLUMNS);
    const stagedBarsParallel = new StagedBarsFunction(connection, 'mqs_staged_bars_parallel', BAR_COLUMNS, 2);
    for (const spec of Object.values(SMALL_DATASETS))
      await connection.run(`create or replace temp table stg_${spec.table} (${spec.staging})`);
    return new WarehouseStore(connection, instance, options, stagedBars, stagedBarsParallel);
  }

  async beginLoad(command: string, args: unknown = null): Promise<number> {
    const reader = await this.connection.runAndReadAll(
      `insert into loads (load_id, command, started_at, status, summary)
       values (nextval('load_id_seq'), $command, ${microsToTimestamp('$now')}, 'running', $args::json)
       returning load_id`,
      { command, now: BigInt(this.options.clock.now()) * 1000n, args: JSON.stringify(args) },
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

  /**
   * Merges intraday windows in ONE transaction: bars new to the table are inserted, stored bars whose values
   * differ are replaced (a live bar corrected by the backfill), identical bars are left alone; each window's
   * quarantine rows and state row (loaded | empty) are written in the same transaction.
   */
  async commitIntraday(commits: readonly IntradayCommit[], loadId: number): Promise<CommitResult> {
    if (commits.length === 0) return { inserted: 0, replaced: 0 };
    try {
      return await this.commitIntradayOnce(commits, loadId);
    } catch (error) {
      // why: DuckDB reports a full buffer pool as an error, not a wait. The commit rolled back whole, so it runs
      // once more under the larger merge cap instead of failing the run over a burst of memory.
      if (this.mergeCapMb <= this.appendCapMb || !/Out of Memory Error/.test(errorMessage(error)))
        throw error;
      this.options.log.warn(
        { windows: commits.length, err: errorMessage(error), memoryLimitMb: this.mergeCapMb },
        'commit ran out of the append memory cap; retrying under the merge cap',
      );
      return this.withMergeMemory(() => this.commitIntradayOnce(commits, loadId));
    }
  }

  private async commitIntradayOnce(
    commits: readonly IntradayCommit[],
    loadId: number,
  ): Promise<CommitResult> {
    const con = this.connection;
    const startedAt = performance.now();
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    const ranges = new Map<string, [number, number][]>();
    const partitions = new Set<string>();
    for (const commit of commits) {
      const c = barColumnsOf(commit.batch);
      if (c.length === 0) continue;
      const first = Number(c.barStartAt[0]);
      const last = Number(c.barStartAt[c.length - 1]);
      lo = Math.min(lo, first);
      hi = Math.max(hi, last);
      const seriesKey = `${commit.window.symbol}\u0000${commit.window.interval}`;
      ranges.set(seriesKey, [...(ranges.get(seriesKey) ?? []), [first, last]]);
      for (const month of monthsOf(c.sessionDate)) partitions.add(`interval=${c.interval}/month=${month}`);
    }
    this.stagedBars.stage(commits.map((c) => c.batch));
    this.stagedBarsParallel.stage(commits.map((c) => c.batch));
    // why: two windows of one series in the same call may share bars; the later one wins, as it would have in
    // two calls, and the staged rows must not hold a key twice or the anti-join would insert it twice.
    const overlapping = [...ranges.values()].some((list) =>
      list.sort((a, b) => a[0] - b[0]).some((range, i) => i > 0 && range[0] <= list[i - 1]![1]),
    );
    // why: the staged interval is a VARCHAR; cast once per chunk here so the joins compare ENUM with ENUM instead
    // of casting every stored bar's interval to a string.
    let staged = `(select * replace (interval::bar_interval as interval) from ${this.stagedBars.name}())`;
    if (overlapping) {
      await con.run(
        `create or replace temp table stg_bars as
         select * from (select *, row_number() over () as staged_order from ${staged})
         qualify row_number() over (partition by symbol, interval, bar_start_at order by staged_order desc) = 1`,
      );
      await con.run('alter table stg_bars drop column staged_order');
      staged = 'stg_bars';
    }
    const quarantineRows = await this.stageStates(
      commits.map((commit) => ({
        key: { dataset: 'bars', ...commit.window },
        status: commit.incompleteReason ? 'failed' : commit.batch.numRows > 0 ? 'loaded' : 'empty',
        rowCount: commit.batch.numRows,
        quarantined: commit.quarantined,
        error: commit.incompleteReason ?? null,
      })),
    );
    const hasRows = lo <= hi;
    let mergedAt = 0;
    const stagedAt = performance.now();
    let newlyDirty: string[] = [];
    const result = await this.inTransaction(async () => {
      let inserted = 0;
      let replaced = 0;
      if (hasRows) {
        const range = { lo: BigInt(lo), hi: BigInt(hi) };
        const key = 'b.symbol = s.symbol and b.interval = s.interval and b.bar_start_at = s.bar_start_at';
        const inRange = `b.bar_start_at between ${microsToTimestamp('$lo')} and ${microsToTimestamp('$hi')}`;
        const differs = `(${BAR_VALUE_COLUMNS.map((c) => `b.${c}`).join(', ')}) is distinct from (${BAR_VALUE_COLUMNS.map((c) => `s.${c}`).join(', ')})`;
        // why: whether the table may already hold any of these bars is asked of the windows ledger, not of the
        // bars: every stored bar came from a committed window whose dates contain its session (the transform
        // quarantines the rest), and window rows are updated in place, never deleted. Scanning the bars instead
        // cost a pass over the whole month per commit (growing with the table) and, with one range for the whole
        // commit, sent 4 of 27 commits of the ETL bench down the slow delete + anti-join path.
        const windowList = commits
          .map(
            (c) =>
              `(${sqlString(c.window.symbol)}, ${sqlString(c.window.interval)}, ${sqlString(c.window.from)}, ${sqlString(c.window.to)})`,
          )
          .join(', ');
        const [stored] = (
          await con.runAndReadAll(
            `select count(*) from windows w
             join (values ${windowList}) r(symbol, interval, from_date, to_date)
               on w.symbol = r.symbol and w.interval = r.interval
              and w.from_date <= r.to_date::date and w.to_date >= r.from_date::date
             where w.dataset = 'bars'`,
          )
        ).getRowsJS();
        if (Number(stored![0]) === 0) {
          // why: a backfill mostly loads ranges the table does not hold yet; then there is nothing to join.
          if (overlapping) inserted = (await con.run(`insert into bars select * from ${staged}`)).rowsChanged;
          else {
            // why: rows of a plain insert need no order (the lake is sorted on publish); without insertion order
            // DuckDB compresses row groups on both threads, fed by the parallel scan.
            await con.run('set preserve_insertion_order = false');
            try {
              inserted = (await con.run(`insert into bars select * from ${this.stagedBarsParallel.name}()`))
                .rowsChanged;
            } catch (error) {
              await this.resetAfterFailure('set preserve_insertion_order = true');
              throw error;
            }
            await con.run('set preserve_insertion_order = true');
          }
        } else {
          const merged = await this.withMergeMemory(async () => {
            const totals = { inserted: 0, replaced: 0 };
            // why: the staged keys already stored are found with an inner join, which DuckDB builds on the staged
            // side, then the delete and the anti-join probe that small table. `not exists (select … from bars …)`
            // built its hash table on every stored bar in the range and ran out of a 64 MB writer re-committing a
            // 3.9M-bar month ("could not allocate block"). The rows are staged once in a temp table and merged a
            // group of symbols (rows bounded by the cap) at a time, under the merge cap, so memory is bounded
            // whatever the commit's size.
            if (staged !== 'stg_bars') {
              await con.run(`create or replace temp table stg_bars as select * from ${staged}`);
              staged = 'stg_bars';
            }
            const existing =
              'e.symbol = b.symbol and e.interval = b.interval and e.bar_start_at = b.bar_start_at';
            const groupRows = Math.max(10_000, this.mergeCapMb * MERGE_GROUP_ROWS_PER_MB);
            for (const symbols of symbolGroups(commits, groupRows)) {
              const list = symbols.map(sqlString).join(', ');
              const only = `s.symbol in (${list})`;
              // why: the same filter on the stored side lets the scan skip row groups of other symbols by their
              // min/max (a backfill stores symbols clustered), instead of reading the whole range once a group.
              const storedOnly = `b.symbol in (${list})`;
              await con.run(
                `create or replace temp table stg_existing as
                 select s.symbol, s.interval, s.bar_start_at, ${differs} as differs
                 from stg_bars s join bars b on ${key} where ${inRange} and ${only} and ${storedOnly}`,
                range,
              );
              totals.replaced += (
                await con.run(
                  `delete from bars b using stg_existing e
                   where e.differs and ${existing} and ${inRange} and ${storedOnly}`,
                  range,
                )
              ).rowsChanged;
              totals.inserted += (
                await con.run(
                  `insert into bars select s.* from stg_bars s
                   where ${only} and not exists (select 1 from stg_existing e where not e.differs
                     and e.symbol = s.symbol and e.interval = s.interval and e.bar_start_at = s.bar_start_at)`,
                )
              ).rowsChanged;
            }
            await con.run('drop table stg_existing');
            return totals;
          });
          inserted = merged.inserted;
          replaced = merged.replaced;
        }
        if (inserted > 0) newlyDirty = await this.markDirtyPartitions('bars', [...partitions]);
        inserted -= replaced;
      }
      mergedAt = performance.now();
      await this.writeStagedStates(loadId, quarantineRows);
      return { inserted, replaced };
    }).finally(async () => {
      this.stagedBars.clear();
      this.stagedBarsParallel.clear();
      // why: the staged copy holds a whole commit (~20 MB for 250k bars); it is not kept until the next merge.
      if (staged === 'stg_bars') await con.run('drop table if exists stg_bars').catch(() => undefined);
    });
    for (const mark of newlyDirty) this.markedDirty.add(mark);
    const done = performance.now();
    this.options.log.debug(
      {
        windows: commits.length,
        ...result,
        stageMs: Math.round(stagedAt - startedAt),
        mergeMs: Math.round(mergedAt - stagedAt),
        stateMs: Math.round(done - mergedAt),
      },
      'intraday windows committed',
    );
    return result;
  }

  commitEod(window: Omit<WindowKey, 'dataset' | 'interval'>, bars: readonly FmpEodBar[], loadId: number) {
    return this.commitSmall(SMALL_DATASETS.eod_bars, window, bars.length, loadId, (a) => {
      for (const b of bars) {
        a.appendVarchar(b.symbol);
        a.appendVarchar(b.date);
        a.appendDouble(b.open);
        a.appendDouble(b.high);
        a.appendDouble(b.low);
        a.appendDouble(b.close);
        a.appendDouble(b.volume);
        if (b.vwap === undefined) a.appendNull();
        else a.appendDouble(b.vwap);
        a.appendBigInt(BigInt(loadId));
        a.endRow();
      }
    });
  }

  commitSplits(window: Omit<WindowKey, 'dataset' | 'interval'>, splits: readonly FmpSplit[], loadId: number) {
    return this.commitSmall(SMALL_DATASETS.splits, window, splits.length, loadId, (a) => {
      for (const s of splits) {
        a.appendVarchar(s.symbol);
        a.appendVarchar(s.date);
        a.appendDouble(s.numerator);
        a.appendDouble(s.denominator);
        a.appendBigInt(BigInt(loadId));
        a.endRow();
      }
    });
  }

  commitDividends(
    window: Omit<WindowKey, 'dataset' | 'interval'>,
    dividends: readonly FmpDividend[],
    loadId: number,
  ) {
    return this.commitSmall(SMALL_DATASETS.dividends, window, dividends.length, loadId, (a) => {
      const optional = (v: string | null) => (v === null ? a.appendNull() : a.appendVarchar(v));
      for (const d of dividends) {
        a.appendVarchar(d.symbol);
        a.appendVarchar(d.date);
        optional(d.recordDate || null);
        optional(d.paymentDate || null);
        optional(d.declarationDate || null);
        a.appendDouble(d.dividend);
        a.appendDouble(d.adjDividend);
        optional(d.frequency);
        a.appendBigInt(BigInt(loadId));
        a.endRow();
      }
    });
  }

  /** Marks a window failed (attempts + 1) with the error's message; its stored rows stay as they were. */
  async recordFailure(key: WindowKey, error: unknown, loadId: number): Promise<void> {
    await this.stageStates([
      { key, status: 'failed', rowCount: 0, quarantined: undefined, error: errorMessage(error) },
    ]);
    await this.inTransaction(() => this.writeStagedStates(loadId, 0));
  }

  /** Window states, optionally of one dataset / symbol / interval / status. */
  async windowStates(
    filter: Partial<Pick<WindowState, 'dataset' | 'symbol' | 'interval' | 'status'>> = {},
  ): Promise<WindowState[]> {
    const where = Object.entries(filter)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => `${k} = $${k}`);
    const reader = await this.connection.runAndReadAll(
      `select dataset, symbol, interval, strftime(from_date, '%Y-%m-%d') as "from", strftime(to_date, '%Y-%m-%d') as "to",
              status, attempts, row_count, quarantined_count, load_id, error, epoch_ms(updated_at) as updated_at
       from windows ${where.length ? `where ${where.join(' and ')}` : ''}
       order by dataset, symbol, interval, from_date`,
      Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as Record<string, string>,
    );
    return reader.getRowObjectsJS().map((r) => ({
      dataset: r.dataset as Dataset,
      symbol: String(r.symbol),
      interval: String(r.interval),
      from: String(r.from),
      to: String(r.to),
      status: r.status as WindowStatus,
      attempts: Number(r.attempts),
      rowCount: Number(r.row_count),
      quarantinedCount: Number(r.quarantined_count),
      loadId: Number(r.load_id),
      error: r.error === null ? null : String(r.error),
      updatedAt: Number(r.updated_at),
    }));
  }

  /** Quarantined bars of a dataset (default all), with their window, oldest window first. */
  async quarantined(symbol?: string): Promise<(QuarantinedBar & WindowKey)[]> {
    const reader = await this.connection.runAndReadAll(
      `select dataset, symbol, interval, strftime(from_date, '%Y-%m-%d') as "from", strftime(to_date, '%Y-%m-%d') as "to",
              label, reason, open, high, low, close, volume
       from quarantine ${symbol === undefined ? '' : 'where symbol = $symbol'}
       order by dataset, symbol, interval, from_date, label`,
      symbol === undefined ? {} : { symbol },
    );
    return reader.getRowObjectsJS().map((r) => ({
      dataset: r.dataset as Dataset,
      symbol: String(r.symbol),
      interval: String(r.interval),
      from: String(r.from),
      to: String(r.to),
      label: String(r.label),
      reason: String(r.reason),
      open: Number(r.open),
      high: Number(r.high),
      low: Number(r.low),
      close: Number(r.close),
      volume: Number(r.volume),
    }));
  }

  failedWindows(): Promise<WindowState[]> {
    return this.windowStates({ status: 'failed' });
  }

  /** Per (dataset, symbol, interval): the last to-date of a loaded or empty window. */
  async watermarks(): Promise<Watermark[]> {
    const reader = await this.connection.runAndReadAll(
      `select dataset, symbol, interval, strftime(max(to_date), '%Y-%m-%d') as through_date
       from windows where status in ('loaded', 'empty') group by all order by all`,
    );
    return reader.getRowObjectsJS().map((r) => ({
      dataset: r.dataset as Dataset,
      symbol: String(r.symbol),
      interval: String(r.interval),
      throughDate: String(r.through_date),
    }));
  }

  /** Lake partitions changed since their last publish. */
  async dirtyPartitions(): Promise<{ dataset: Dataset; partition: string }[]> {
    const reader = await this.connection.runAndReadAll(
      'select distinct dataset, partition from dirty_partitions order by all',
    );
    return reader
      .getRowObjectsJS()
      .map((r) => ({ dataset: r.dataset as Dataset, partition: String(r.partition) }));
  }

  async clearDirty(dataset: Dataset, partition: string): Promise<void> {
    this.markedDirty.delete(`${dataset}|${partition}`);
    await this.connection.run(
      'delete from dirty_partitions where dataset = $dataset and partition = $partition',
      {
        dataset,
        partition,
      },
    );
  }

  /** Hash of the view SQL the CLI catalog was last generated from, if any. */
  async catalogFingerprint(): Promise<string | undefined> {
    const rows = (await this.connection.runAndReadAll('select views_hash from catalog_state')).getRowsJS();
    return rows.length > 0 ? String(rows[0]![0]) : undefined;
  }

  async setCatalogFingerprint(hash: string): Promise<void> {
    await this.inTransaction(async () => {
      await this.connection.run('delete from catalog_state');
      await this.connection.run('insert into catalog_state values ($hash)', { hash });
    });
  }

  /**
   * Runs `work` with the buffer pool at mergeMemoryLimitMb, then puts the append cap back. why: appends stream
   * into the table in a small pool (the writer's resident memory follows the cap), while a merge's join or a
   * publish's sort needs about twice as much, briefly.
   */
  async withMergeMemory<T>(work: () => Promise<T>): Promise<T> {
    const base = this.appendCapMb;
    const merge = this.mergeCapMb;
    // why: re-entrant (a commit retried under the merge cap merges inside it): only the outermost call sets and
    // restores the cap.
    if (merge === base || this.mergeDepth > 0) return work();
    await this.connection.run(`set memory_limit = '${merge}MB'`);
    this.mergeDepth++;
    let result: T;
    try {
      result = await work();
    } catch (error) {
      await this.resetAfterFailure(`set memory_limit = '${base}MB'`);
      throw error;
    } finally {
      this.mergeDepth--;
    }
    await this.connection.run(`set memory_limit = '${base}MB'`);
    return result;
  }

  /**
   * Runs a SET that undoes a setting after a failed statement; if DuckDB refuses it (inside a failed transaction
   * it accepts nothing until the rollback), inTransaction runs it after its rollback. why: a `finally` that ran
   * the SET inside the aborted transaction failed with "Current transaction is aborted", and that error replaced
   * the real one (an out-of-memory, which then could not be recognised and retried).
   */
  private async resetAfterFailure(sql: string): Promise<void> {
    try {
      await this.connection.run(sql);
    } catch {
      this.afterRollback.push(sql);
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async commitSmall(
    spec: SmallDatasetSpec,
    window: Omit<WindowKey, 'dataset' | 'interval'>,
    rows: number,
    loadId: number,
    fill: (appender: Awaited<ReturnType<DuckDBConnection['createAppender']>>) => void,
  ): Promise<CommitResult> {
    const con = this.connection;
    const staging = `stg_${spec.table}`;
    await con.run(`delete from ${staging}`);
    const appender = await con.createAppender(staging, 'main', 'temp');
    try {
      fill(appender);
    } finally {
      appender.closeSync();
    }
    const key: WindowKey = { dataset: spec.table, interval: '', ...window };
    const quarantineRows = await this.stageStates([
      { key, status: rows > 0 ? 'loaded' : 'empty', rowCount: rows, quarantined: [], error: null },
    ]);
    return this.inTransaction(async () => {
      await con.run(`create or replace temp table ${staging}_typed as select ${spec.typed} from ${staging}`);
      const on = spec.keys.map((k) => `t.${k} = s.${k}`).join(' and ');
      const differs = `(${spec.values.map((c) => `t.${c}`).join(', ')}) is distinct from (${spec.values.map((c) => `s.${c}`).join(', ')})`;
      const replaced = (
        await con.run(`delete from ${spec.table} t using ${staging}_typed s where ${on} and ${differs}`)
      ).rowsChanged;
      let inserted = (
        await con.run(
          `insert into ${spec.table} select s.* from ${staging}_typed s
           where not exists (select 1 from ${spec.table} t where ${on})`,
        )
      ).rowsChanged;
      if (inserted > 0)
        await this.markDirty(spec.table, `select distinct ${spec.partition} from ${staging}_typed`);
      inserted -= replaced;
      await this.writeStagedStates(loadId, quarantineRows);
      return { inserted, replaced };
    });
  }

  /** Marks partitions dirty (inside the caller's transaction); returns the marks to remember once it commits. */
  private async markDirtyPartitions(dataset: Dataset, partitions: string[]): Promise<string[]> {
    const fresh = partitions.filter((p) => !this.markedDirty.has(`${dataset}|${p}`));
    if (fresh.length > 0) {
      await this.connection.run(
        `insert into dirty_partitions select $dataset, p.partition
         from (values ${fresh.map((p) => `(${sqlString(p)})`).join(', ')}) p(partition)
         where not exists (select 1 from dirty_partitions d where d.dataset = $dataset and d.partition = p.partition)`,
        { dataset },
      );
    }
    return fresh.map((p) => `${dataset}|${p}`);
  }

  private async markDirty(dataset: Dataset, partitionsQuery: string): Promise<void> {
    await this.connection.run(
      `insert into dirty_partitions select $dataset, p.partition from (${partitionsQuery}) p(partition)
       where not exists (select 1 from dirty_partitions d where d.dataset = $dataset and d.partition = p.partition)`,
      { dataset },
    );
  }

  /**
   * Stages state rows (and, unless `quarantined` is undefined, the window's quarantine rows) in temp tables.
   * why: appenders run outside the transaction; the staged rows are written by writeStagedStates inside it.
   */
  private async stageStates(entries: readonly StagedState[]): Promise<number> {
    const con = this.connection;
    await con.run(STG_WINDOWS_DDL);
    await con.run(STG_QUARANTINE_DDL);
    const windows = await con.createAppender('stg_windows', 'main', 'temp');
    const quarantine = await con.createAppender('stg_quarantine', 'main', 'temp');
    try {
      for (const entry of entries) {
        const k = entry.key;
        const keyCells = (a: typeof windows) => {
          a.appendVarchar(k.dataset);
          a.appendVarchar(k.symbol);
          a.appendVarchar(k.interval);
          a.appendVarchar(k.from);
          a.appendVarchar(k.to);
        };
        keyCells(windows);
        windows.appendVarchar(entry.status);
        windows.appendBigInt(BigInt(entry.rowCount));
        windows.appendBigInt(BigInt(entry.quarantined?.length ?? 0));
        if (entry.error === null) windows.appendNull();
        else windows.appendVarchar(entry.error);
        windows.appendBoolean(entry.quarantined !== undefined);
        windows.endRow();
        for (const bar of entry.quarantined ?? []) {
          keyCells(quarantine);
          quarantine.appendVarchar(bar.label);
          quarantine.appendVarchar(bar.reason);
          for (const value of [bar.open, bar.high, bar.low, bar.close, bar.volume])
            quarantine.appendDouble(value);
          quarantine.endRow();
        }
      }
    } finally {
      windows.closeSync();
      quarantine.closeSync();
    }
    return entries.reduce((sum, e) => sum + (e.quarantined?.length ?? 0), 0);
  }

  /** Replaces the staged windows' state rows (attempts + 1) and quarantine rows; call inside the transaction. */
  private async writeStagedStates(loadId: number, quarantineRows: number): Promise<void> {
    const con = this.connection;
    const key = `o.dataset = n.dataset and o.symbol = n.symbol and o.interval = n.interval
      and o.from_date = n.from_date::date and o.to_date = n.to_date::date`;
    const params = { loadId, now: BigInt(this.options.clock.now()) * 1000n };
    // why: two statements (update the windows seen before, insert the new ones) instead of a joined copy, a
    // delete and an insert: state rows cost a commit ~60 ms before, most of a small commit's time.
    await con.run(
      `update windows o set status = n.status, attempts = o.attempts + 1, row_count = n.row_count,
         quarantined_count = n.quarantined_count, load_id = $loadId::bigint, error = n.error,
         updated_at = ${microsToTimestamp('$now')}
       from stg_windows n where ${key}`,
      params,
    );
    await con.run(
      `insert into windows
       select n.dataset, n.symbol, n.interval, n.from_date::date, n.to_date::date, n.status, 1, n.row_count,
              n.quarantined_count, $loadId::bigint, n.error, ${microsToTimestamp('$now')}
       from stg_windows n where not exists (select 1 from windows o where ${key})`,
      params,
    );
    await con.run(`delete from quarantine o using stg_windows n where ${key} and n.replace_quarantine`);
    if (quarantineRows === 0) return;
    await con.run(
      `insert into quarantine
       select dataset, symbol, interval, from_date::date, to_date::date, label, reason, open, high, low, close,
              volume, $loadId::bigint
       from stg_quarantine`,
      { loadId },
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
      const resets = this.afterRollback;
      this.afterRollback = [];
      for (const sql of resets) await this.connection.run(sql).catch(() => undefined);
      throw error;
    }
  }
}
