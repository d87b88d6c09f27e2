/**
 * What the ETL has committed but not yet written to the lake: intraday windows (their Arrow batches, in memory),
 * daily datasets (rows in temp tables) and every window's new state. `flush` writes the staged rows as new
 * immutable files of a LakeTransaction; the states wait for the snapshot that publishes those files
 * (warehouse-writer.ts), so a window's state and its rows become true together.
 *
 * How a flush writes a partition (interval + New York month for bars, year for EOD, one for splits/dividends):
 * every staged window replaces what the lake holds for its symbol (and interval) on its dates, so
 * - when no live file of the partition can hold such a row (by the manifest's min/max of symbol and date), the
 *   staged rows become a new file (the common case: a backfill or a nightly run adds dates the lake lacks);
 * - otherwise the overlapping files are rewritten without the replaced rows, with the staged rows, sorted, as
 *   one new file (a window committed again with fewer bars loses the bars that vanished);
 * - a partition with more than MAX_FILES_PER_PARTITION files is compacted into one sorted file.
 */
import { type DuckDBAppender, type DuckDBConnection, listValue } from '@duckdb/node-api';
import { sqlString } from '../core/sql-literals.ts';
import { addDays, type IsoDate } from '../core/time.ts';
import type { FmpDividend, FmpEodBar, FmpSplit } from '../extract/fmp-types.ts';
import type { WindowKey } from '../load/etl-ledger.ts';
import { StagedBarsFunction } from '../load/staged-bars-function.ts';
import type { BarBatch } from '../transform/bar-batch-schema.ts';
import type { IntradayWindow, QuarantinedBar } from '../transform/transform-intraday.ts';
import type { LakeFile, ManifestWindowState } from './lake-manifest.ts';
import { type LakeSource, lakeSource } from './lake-sources.ts';
import type { LakeTransaction } from './lake-transaction.ts';
import {
  appendDividendRows,
  appendEodRows,
  appendSplitRows,
  DAILY,
  type DailyDataset,
  type DailySpec,
  monthsOf,
  STAGED_BAR_COLUMNS,
} from './stage-datasets.ts';

/** One intraday window ready to commit: the output of transformIntraday. */
export interface IntradayCommit {
  window: IntradayWindow;
  batch: BarBatch;
  quarantined: readonly QuarantinedBar[];
  /**
   * Set when the rows are known to be incomplete (a session polled live): the window's state is stored as failed
   * with this reason in the same snapshot as the rows, so the next run fetches it whole.
   */
  incompleteReason?: string;
}

/** A window of a daily dataset (eod_bars, splits, dividends): New York dates, both inclusive. */
export type DailyWindow = Omit<WindowKey, 'dataset' | 'interval'>;

/** Buffer-pool cap of rewrites and compactions (at least twice the writer's), MB. */
const REWRITE_MEMORY_MB = 256;

/** Files beyond which a partition is compacted into one sorted file. */
export const MAX_FILES_PER_PARTITION = 8;

/** The key of a window as one string. */
export const windowKeyOf = (w: Omit<ManifestWindowState, 'status' | 'rowCount' | 'error' | 'loadId'>) =>
  `${w.dataset}|${w.symbol}|${w.interval}|${w.from}|${w.to}`;

/** A window range of one symbol replacing rows in a partition. */
interface Replaced {
  symbol: string;
  from: IsoDate;
  to: IsoDate;
}

/** Could `file` hold a row of one of the replaced ranges (by its symbol and date min/max)? */
function mayHold(file: LakeFile, dateColumn: string, replaced: readonly Replaced[]): boolean {
  const [minSymbol, maxSymbol] = [file.min.symbol, file.max.symbol];
  const [minDate, maxDate] = [file.min[dateColumn], file.max[dateColumn]];
  // why: a file without statistics (none recorded) is assumed to hold anything.
  if (minSymbol === undefined || maxSymbol === undefined || minDate === undefined || maxDate === undefined)
    return true;
  return replaced.some(
    (r) => r.symbol >= minSymbol && r.symbol <= maxSymbol && r.from <= maxDate && r.to >= minDate,
  );
}

export class EtlStage {
  private intraday: IntradayCommit[] = [];
  private intradayRows = 0;
  private readonly dailyWindows: Record<DailyDataset, DailyWindow[]> = {
    eod_bars: [],
    splits: [],
    dividends: [],
  };
  private dailyRows = 0;
  /** Window states waiting for their snapshot, by window key, in commit order. */
  private readonly states = new Map<string, ManifestWindowState>();
  /** Windows staged since the last flush, per series, for the overlap check. */
  private readonly series = new Map<string, [IsoDate, IsoDate][]>();
  private readonly stagedBars: StagedBarsFunction;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly memoryLimitMb: number,
  ) {
    this.stagedBars = new StagedBarsFunction(connection, 'mqs_pending_bars', STAGED_BAR_COLUMNS);
  }

  /** `memoryLimitMb`: the connection's buffer-pool cap, put back after a rewrite or compaction raised it. */
  static async create(connection: DuckDBConnection, memoryLimitMb: number): Promise<EtlStage> {
    for (const spec of Object.values(DAILY))
      await connection.run(`create or replace temp table pending_${spec.dataset} (${spec.staging})`);
    return new EtlStage(connection, memoryLimitMb);
  }

  /** Rows staged and not yet written to files. */
  get rows(): number {
    return this.intradayRows + this.dailyRows;
  }

  /** Window states staged for the next snapshot, in commit order. */
  pendingStates(): ManifestWindowState[] {
    return [...this.states.values()];
  }

  /** Whether a window overlaps one staged since the last flush (then flush first: a later commit wins). */
  overlaps(key: WindowKey): boolean {
    const ranges = this.series.get(`${key.dataset}|${key.symbol}|${key.interval}`) ?? [];
    return ranges.some(([from, to]) => key.from <= to && key.to >= from);
  }

  addIntraday(commits: readonly IntradayCommit[], loadId: number): number {
    let rows = 0;
    for (const commit of commits) {
      this.intraday.push(commit);
      rows += commit.batch.numRows;
      this.track({ dataset: 'bars', ...commit.window });
      this.setState({
        dataset: 'bars',
        ...commit.window,
        status: commit.incompleteReason ? 'failed' : commit.batch.numRows > 0 ? 'loaded' : 'empty',
        rowCount: commit.batch.numRows,
        error: commit.incompleteReason ?? null,
        loadId,
        quarantined: commit.quarantined.map((q) => ({ ...q })),
      });
    }
    this.intradayRows += rows;
    return rows;
  }

  addEod(window: DailyWindow, bars: readonly FmpEodBar[], loadId: number): Promise<number> {
    return this.addDaily('eod_bars', window, bars.length, loadId, (a) => appendEodRows(a, bars, loadId));
  }

  addSplits(window: DailyWindow, splits: readonly FmpSplit[], loadId: number): Promise<number> {
    return this.addDaily('splits', window, splits.length, loadId, (a) => appendSplitRows(a, splits, loadId));
  }

  addDividends(window: DailyWindow, dividends: readonly FmpDividend[], loadId: number): Promise<number> {
    return this.addDaily('dividends', window, dividends.length, loadId, (a) =>
      appendDividendRows(a, dividends, loadId),
    );
  }

  /** Writes every staged row into new files of `tx` (see the header); the window states stay staged. */
  async flush(tx: LakeTransaction): Promise<void> {
    await this.flushIntraday(tx);
    for (const spec of Object.values(DAILY)) await this.flushDaily(tx, spec);
    this.series.clear();
  }

  /** Forgets the window states (once their snapshot is published or abandoned). */
  clearStates(): void {
    this.states.clear();
  }

  /** Drops everything staged (a failed publish: the windows are fetched again by the next run). */
  async discard(): Promise<void> {
    this.intraday = [];
    this.intradayRows = 0;
    for (const spec of Object.values(DAILY)) {
      this.dailyWindows[spec.dataset] = [];
      await this.connection.run(`delete from pending_${spec.dataset}`);
    }
    this.dailyRows = 0;
    this.series.clear();
    this.states.clear();
    this.stagedBars.clear();
  }

  private track(key: WindowKey): void {
    const seriesKey = `${key.dataset}|${key.symbol}|${key.interval}`;
    this.series.set(seriesKey, [...(this.series.get(seriesKey) ?? []), [key.from, key.to]]);
  }

  private setState(state: ManifestWindowState): void {
    const key = windowKeyOf(state);
    const previous = this.states.get(key);
    // why: Map keeps first-insertion order; a window committed again moves to the end (its latest commit).
    this.states.delete(key);
    this.states.set(key, { ...state, commits: (previous?.commits ?? 0) + 1 });
  }

  private async addDaily(
    dataset: DailyDataset,
    window: DailyWindow,
    rows: number,
    loadId: number,
    fill: (appender: DuckDBAppender) => void,
  ): Promise<number> {
    if (rows > 0) {
      const appender = await this.connection.createAppender(`pending_${dataset}`, 'main', 'temp');
      try {
        fill(appender);
      } finally {
        appender.closeSync();
      }
    }
    this.dailyWindows[dataset].push(window);
    this.dailyRows += rows;
    this.track({ dataset, interval: '', ...window });
    this.setState({
      dataset,
      interval: '',
      ...window,
      status: rows > 0 ? 'loaded' : 'empty',
      rowCount: rows,
      error: null,
      loadId,
      quarantined: [],
    });
    return rows;
  }

  /** Writes a partition: staged rows as a new file, or a rewrite of the files that hold replaced rows. */
  private async writePartition(
    tx: LakeTransaction,
    source: LakeSource,
    partition: string,
    replaced: readonly Replaced[],
    dateColumn: string,
    newRows: string,
  ): Promise<void> {
    const live = tx.files(source.dir, partition);
    const candidates = live.filter((f) => mayHold(f, dateColumn, replaced));
    const overlapping =
      candidates.length > 0 ? await this.filesHolding(tx, candidates, replaced, dateColumn) : [];
    if (overlapping.length === 0) {
      // why: staged rows come in key order (windows sorted, bars ascending), so no sort is needed.
      await tx.writeFile(source, partition, newRows, { sort: source.dir !== 'bars' });
    } else {
      const columns = source.columns.map(([n]) => n).join(', ');
      const kept = `select ${columns} from (${tx.readFilesSql(overlapping)}) f
        where not exists (select 1 from replaced_ranges r
          where r.symbol = f.symbol and f.${dateColumn} between r.from_date and r.to_date)`;
      await this.withRewriteMemory(() =>
        tx.writeFile(source, partition, `${kept} union all select ${columns} from (${newRows})`, {
          sort: true,
        }),
      );
      tx.remove(source.dir, overlapping);
    }
    const files = tx.files(source.dir, partition);
    if (files.length > MAX_FILES_PER_PARTITION)
      await this.withRewriteMemory(() => tx.compact(source, partition, files));
  }

  /**
   * The files among `candidates` that really hold a row of a replaced range (staged into `replaced_ranges`).
   * why: min/max of a file spanning all symbols and a fortnight overlap nearly every window of the next flush
   * of a backfill (windows of one date range straddle two flushes); reading the two key columns, which row
   * groups prune by symbol, keeps those flushes from rewriting (and sorting) the month again.
   */
  private async filesHolding(
    tx: LakeTransaction,
    candidates: readonly LakeFile[],
    replaced: readonly Replaced[],
    dateColumn: string,
  ): Promise<LakeFile[]> {
    await this.connection.run(
      'create or replace temp table replaced_ranges (symbol varchar, from_date date, to_date date)',
    );
    const appender = await this.connection.createAppender('replaced_ranges', 'main', 'temp');
    try {
      for (const r of replaced) {
        appender.appendVarchar(r.symbol);
        appender.appendVarchar(r.from);
        appender.appendVarchar(r.to);
        appender.endRow();
      }
    } finally {
      appender.closeSync();
    }
    const hit = new Set(
      (
        await this.connection.runAndReadAll(
          `select distinct f.filename from read_parquet($files, filename = true, hive_partitioning = false) f
           join replaced_ranges r on r.symbol = f.symbol and f.${dateColumn} between r.from_date and r.to_date`,
          { files: listValue(candidates.map((f) => tx.absolutePath(f))) },
        )
      )
        .getRowsJS()
        .map((row) => String(row[0])),
    );
    return candidates.filter((f) => hit.has(tx.absolutePath(f)));
  }

  /**
   * Runs a rewrite or compaction with a larger buffer pool. why: sorting a month while reading and writing
   * Parquet ran out of the 96 MB append cap ("failed to allocate data of size 32.0 KiB") on a 300-symbol
   * backfill; the sort spills beyond the larger cap.
   */
  private async withRewriteMemory<T>(work: () => Promise<T>): Promise<T> {
    const base = this.memoryLimitMb;
    await this.connection.run(`set memory_limit = '${Math.max(2 * base, REWRITE_MEMORY_MB)}MB'`);
    try {
      return await work();
    } finally {
      await this.connection.run(`set memory_limit = '${base}MB'`);
    }
  }

  private async flushIntraday(tx: LakeTransaction): Promise<void> {
    if (this.intraday.length === 0) return;
    const source = lakeSource('bars');
    const byPartition = new Map<string, IntradayCommit[]>();
    for (const commit of this.intraday) {
      const { interval, from, to } = commit.window;
      for (const month of monthsOf(from, to)) {
        const partition = `interval=${interval}/month=${month}`;
        byPartition.set(partition, [...(byPartition.get(partition) ?? []), commit]);
      }
    }
    try {
      for (const [partition, commits] of [...byPartition.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const month = partition.slice(-7);
        const monthStart = `${month}-01`;
        const nextMonth = `${monthOf(addDays(monthStart, 31))}-01`;
        // why: windows in (symbol, from) order and bars ascending within each make the staged rows sorted by
        // (symbol, bar_start_at); overlapping windows never share a flush (overlaps()).
        const ordered = [...commits].sort(
          (a, b) => compare(a.window.symbol, b.window.symbol) || compare(a.window.from, b.window.from),
        );
        this.stagedBars.stage(ordered.map((c) => c.batch));
        const replaced = ordered.map((c) => ({
          symbol: c.window.symbol,
          from: c.window.from < monthStart ? monthStart : c.window.from,
          to: c.window.to >= nextMonth ? addDays(nextMonth, -1) : c.window.to,
        }));
        const newRows = `select symbol, bar_start_at,
            ((epoch_us(bar_end_at) - epoch_us(bar_start_at)) // 1000000)::smallint as bar_seconds,
            session_date, open, high, low, close, volume, load_id
          from ${this.stagedBars.name}()
          where session_date >= date ${sqlString(monthStart)} and session_date < date ${sqlString(nextMonth)}`;
        await this.writePartition(tx, source, partition, replaced, 'session_date', newRows);
      }
    } finally {
      this.stagedBars.clear();
    }
    this.intraday = [];
    this.intradayRows = 0;
  }

  private async flushDaily(tx: LakeTransaction, spec: DailySpec): Promise<void> {
    const windows = this.dailyWindows[spec.dataset];
    if (windows.length === 0) return;
    const source = lakeSource(spec.dataset);
    const byPartition = new Map<string, DailyWindow[]>();
    for (const w of windows)
      for (const p of spec.partitionsOf(w.from, w.to)) byPartition.set(p, [...(byPartition.get(p) ?? []), w]);
    for (const [partition, list] of [...byPartition.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const replaced = list.map((w) => ({ symbol: w.symbol, from: w.from, to: w.to }));
      const newRows = `select * from (select ${spec.typed} from pending_${spec.dataset}) where ${spec.inPartition(partition)}`;
      await this.writePartition(tx, source, partition, replaced, 'date', newRows);
    }
    this.dailyWindows[spec.dataset] = [];
    await this.connection.run(`delete from pending_${spec.dataset}`);
    this.dailyRows = 0;
  }
}

export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const monthOf = (date: IsoDate) => date.slice(0, 7);
