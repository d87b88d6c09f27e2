/**
 * The warehouse writer as its callers see it: how it is opened (options) and what it does (the interface).
 * warehouse-writer.ts implements it; serialized-writer.ts wraps it. A file of its own so that neither of those
 * imports the other.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { FmpDividend, FmpEodBar, FmpSplit } from '../extract/fmp-types.ts';
import type { LoadSummary, Watermark, WindowKey, WindowState } from '../load/etl-ledger.ts';
import type { QuarantinedBar } from '../transform/transform-intraday.ts';
import type { DailyWindow, IntradayCommit } from './etl-stage.ts';
import type { LakeManifest, LakeRetention } from './lake-manifest.ts';

export interface WarehouseWriterOptions {
  /** The warehouse folder (created if missing): holds etl.duckdb, lake/, catalog.duckdb. */
  warehouseDir: string;
  log: Logger;
  clock: Clock;
  /** Shown to anyone waiting for the `etl` writer lock. Default 'mqs etl'. */
  command?: string;
  /** How long to wait for another writer, ms. Default 30 000. */
  lockWaitMs?: number;
  /** DuckDB buffer-pool cap of the writer, MB (sorts and rewrites beyond it spill to disk). Default 1024. */
  memoryLimitMb?: number;
  /** Take the `etl` writer lock. Default true; pass false only when the caller already holds it. */
  takeLock?: boolean;
  /**
   * Staged rows beyond which they are written to lake files (still unpublished), bounding the writer's memory.
   * Default 1,000,000 (~70 MB of bars).
   */
  flushRows?: number;
  /** A commit publishes a snapshot when the last one is older than this, ms. Default 3 minutes. */
  publishEveryMs?: number;
  /** Old snapshots and files kept for readers bound to them. Default 5 snapshots and one hour. */
  retention?: LakeRetention;
}

/** Rows a commit staged. */
export interface CommitResult {
  staged: number;
}

export interface PublishResult {
  /** The snapshot version now current (unchanged when there was nothing to publish). */
  version: number;
  /** Lake files the snapshot added (relative to the lake). Empty on a rerun over complete data. */
  files: string[];
  rows: number;
}

export interface WarehouseWriter {
  /** Starts a run in the loads ledger; its id is the lineage of every row the run writes. */
  beginLoad(command: string, args?: unknown, source?: string): Promise<number>;
  /** The sources of the stored data's loads (etl/pipeline/load-source.ts); null for loads before sources. */
  storedSources(): Promise<Array<string | null>>;
  /** Closes a run in the loads ledger with its status and counts. */
  finishLoad(loadId: number, summary: LoadSummary): Promise<void>;
  /** Stages intraday windows; each replaces what the lake holds for its symbol, interval and dates. */
  commitIntraday(commits: readonly IntradayCommit[], loadId: number): Promise<CommitResult>;
  commitEod(window: DailyWindow, bars: readonly FmpEodBar[], loadId: number): Promise<CommitResult>;
  commitSplits(window: DailyWindow, splits: readonly FmpSplit[], loadId: number): Promise<CommitResult>;
  commitDividends(
    window: DailyWindow,
    dividends: readonly FmpDividend[],
    loadId: number,
  ): Promise<CommitResult>;
  /** Marks a window failed (attempts + 1, error message kept); published rows stay. */
  recordFailure(window: WindowKey, error: unknown, loadId: number): Promise<void>;
  /** Window states, the staged (unpublished) ones included. */
  windowStates(
    filter?: Partial<Pick<WindowState, 'dataset' | 'symbol' | 'interval' | 'status'>>,
  ): Promise<WindowState[]>;
  failedWindows(): Promise<WindowState[]>;
  /** Bars that failed validation, with their window (optionally of one symbol), as published. */
  quarantined(symbol?: string): Promise<(QuarantinedBar & WindowKey)[]>;
  watermarks(): Promise<Watermark[]>;
  /** Writes what is staged and publishes a snapshot (and the CLI catalog); writes nothing when nothing changed. */
  publish(): Promise<PublishResult>;
  /** The current snapshot's manifest. */
  manifest(): LakeManifest;
  /** Closes the ledger and releases the lock; staged, unpublished windows are dropped (fetched again next run). */
  close(): void;
}
