/**
 * The ETL's one entry point to the warehouse: load windows into `etl.duckdb` (state in the same transaction),
 * then publish the touched lake partitions and the CLI catalog. Holds the `etl` writer lock while open.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { acquireWriterLock, type WriterLock } from '../core/writer-lock.ts';
import type { FmpDividend, FmpEodBar, FmpSplit } from '../extract/fmp-types.ts';
import {
  type CommitResult,
  type Dataset,
  type IntradayCommit,
  type LoadSummary,
  WarehouseStore,
  type Watermark,
  type WindowKey,
  type WindowState,
} from '../load/warehouse-store.ts';
import type { QuarantinedBar } from '../transform/transform-intraday.ts';
import { CATALOG_FILE, catalogFingerprint, writeCatalog } from './catalog.ts';
import { type PublishResult, publishLake } from './publish-lake.ts';
import { lakeDirOf } from './warehouse-reader.ts';

export const ETL_DB_FILE = 'etl.duckdb';

export interface WarehouseWriterOptions {
  /** The warehouse folder (created if missing): holds etl.duckdb, lake/, catalog.duckdb. */
  warehouseDir: string;
  log: Logger;
  clock: Clock;
  /** Shown to anyone waiting for the `etl` writer lock. Default 'mqs etl'. */
  command?: string;
  /** How long to wait for another writer, ms. Default 30 000. */
  lockWaitMs?: number;
  /** DuckDB buffer-pool cap of the writer while appending, MB. Default 1024. */
  memoryLimitMb?: number;
  /** Cap while merging into stored bars and publishing, MB (larger sorts spill to disk). Default memoryLimitMb. */
  mergeMemoryLimitMb?: number;
  /** Take the `etl` writer lock. Default true; pass false only when the caller already holds it. */
  takeLock?: boolean;
}

/** A window of a daily dataset (eod_bars, splits, dividends): New York dates, both inclusive. */
export type DailyWindow = Omit<WindowKey, 'dataset' | 'interval'>;

export interface WarehouseWriter {
  /** Starts a run in the loads ledger; its id is the lineage of every row the run writes. */
  beginLoad(command: string, args?: unknown): Promise<number>;
  /** Closes a run in the loads ledger with its status and counts. */
  finishLoad(loadId: number, summary: LoadSummary): Promise<void>;
  /** Merges intraday windows (one transaction for all of them, state rows included). */
  commitIntraday(commits: readonly IntradayCommit[], loadId: number): Promise<CommitResult>;
  commitEod(window: DailyWindow, bars: readonly FmpEodBar[], loadId: number): Promise<CommitResult>;
  commitSplits(window: DailyWindow, splits: readonly FmpSplit[], loadId: number): Promise<CommitResult>;
  commitDividends(
    window: DailyWindow,
    dividends: readonly FmpDividend[],
    loadId: number,
  ): Promise<CommitResult>;
  /** Marks a window failed (attempts + 1, error message kept); stored rows stay. */
  recordFailure(window: WindowKey, error: unknown, loadId: number): Promise<void>;
  windowStates(
    filter?: Partial<Pick<WindowState, 'dataset' | 'symbol' | 'interval' | 'status'>>,
  ): Promise<WindowState[]>;
  failedWindows(): Promise<WindowState[]>;
  /** Bars that failed validation, with their window (optionally of one symbol). */
  quarantined(symbol?: string): Promise<(QuarantinedBar & WindowKey)[]>;
  watermarks(): Promise<Watermark[]>;
  /** Partitions changed since the last publish. */
  dirtyPartitions(): Promise<{ dataset: Dataset; partition: string }[]>;
  /**
   * Rewrites the touched lake partitions (temp name + rename) and regenerates the catalog when anything changed
   * (or it is missing). Writes nothing when nothing changed.
   */
  publish(): Promise<PublishResult>;
  /** Closes the database and releases the lock. */
  close(): void;
}

export async function openWarehouseWriter(options: WarehouseWriterOptions): Promise<WarehouseWriter> {
  const warehouseDir = path.resolve(options.warehouseDir);
  fs.mkdirSync(warehouseDir, { recursive: true });
  let lock: WriterLock | undefined;
  if (options.takeLock ?? true) {
    lock = await acquireWriterLock(warehouseDir, 'etl', {
      command: options.command ?? 'mqs etl',
      waitMs: options.lockWaitMs,
      clock: options.clock,
      onWait: (holder) => options.log.warn({ holder }, 'waiting for the etl writer lock'),
    });
  }
  let store: WarehouseStore;
  try {
    store = await WarehouseStore.open(path.join(warehouseDir, ETL_DB_FILE), options);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const lakeDir = lakeDirOf(warehouseDir);
  // why: every operation runs statements (and transactions) on one connection; calls made concurrently (a
  // failure recorded while a batch commits) must not interleave, so they run one after another.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(operation: () => Promise<T>): Promise<T> => {
    const run = tail.then(operation, operation);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    beginLoad: (command, args) => serial(() => store.beginLoad(command, args)),
    finishLoad: (loadId, summary) => serial(() => store.finishLoad(loadId, summary)),
    commitIntraday: (commits, loadId) => serial(() => store.commitIntraday(commits, loadId)),
    commitEod: (window, bars, loadId) => serial(() => store.commitEod(window, bars, loadId)),
    commitSplits: (window, splits, loadId) => serial(() => store.commitSplits(window, splits, loadId)),
    commitDividends: (window, dividends, loadId) =>
      serial(() => store.commitDividends(window, dividends, loadId)),
    recordFailure: (window, error, loadId) => serial(() => store.recordFailure(window, error, loadId)),
    windowStates: (filter) => serial(() => store.windowStates(filter)),
    failedWindows: () => serial(() => store.failedWindows()),
    quarantined: (symbol) => serial(() => store.quarantined(symbol)),
    watermarks: () => serial(() => store.watermarks()),
    dirtyPartitions: () => serial(() => store.dirtyPartitions()),
    publish: () =>
      serial(async () => {
        const result = await store.withMergeMemory(() => publishLake(store, lakeDir, options.log));
        // why: the catalog's views embed whether each dataset has files yet, so it is regenerated when that
        // rendering changes (or the file is gone), not on every publish: a rerun over complete data writes
        // nothing.
        const fingerprint = catalogFingerprint(warehouseDir);
        const catalogMissing = !fs.existsSync(path.join(warehouseDir, CATALOG_FILE));
        if (catalogMissing || (await store.catalogFingerprint()) !== fingerprint) {
          await writeCatalog(warehouseDir);
          await store.setCatalogFingerprint(fingerprint);
        }
        return result;
      }),
    close: () => {
      try {
        store.close();
      } finally {
        lock?.release();
      }
    },
  };
}
