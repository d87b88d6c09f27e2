/**
 * The ETL's one entry point to the warehouse. Commits stage windows (rows in memory, states beside them); the
 * staged rows are written as new immutable lake files when enough have gathered, and `publish` (called by the
 * run every few minutes and at its end) makes them live with a new snapshot manifest that also carries their
 * windows' states, then applies those states to the ledger in etl.duckdb. Holds the `etl` writer lock while open.
 *
 * Killed at any instant, nothing published is lost and a rerun converges: files not yet in a manifest are
 * deleted on the next open (collectGarbage) and their windows fetched again; a manifest renamed into place
 * before the ledger caught up is replayed into the ledger on the next open.
 */
import fs from 'node:fs';
import path from 'node:path';
import { acquireWriterLock, type WriterLock } from '../core/writer-lock.ts';
import type { FmpDividend, FmpEodBar, FmpSplit } from '../extract/fmp-types.ts';
import {
  EtlLedger,
  type LoadSummary,
  type Watermark,
  type WindowKey,
  type WindowState,
} from '../load/etl-ledger.ts';
import type { QuarantinedBar } from '../transform/transform-intraday.ts';
import { CATALOG_FILE, writeCatalog } from './catalog.ts';
import { compare, type DailyWindow, EtlStage, type IntradayCommit, windowKeyOf } from './etl-stage.ts';
import { collectGarbage, DEFAULT_RETENTION, type LakeManifest, readManifest } from './lake-manifest.ts';
import { lakeRootOf } from './lake-sources.ts';
import { LakeTransaction } from './lake-transaction.ts';
import { catchUpLedger } from './ledger-replay.ts';
import { serialized } from './serialized-writer.ts';
import { refreshSessionsFile } from './sessions-file.ts';
import { compactDuckDbFile, publishV1Tables } from './upgrade-v1.ts';
import { lakeDirOf } from './warehouse-snapshot.ts';
import type {
  CommitResult,
  PublishResult,
  WarehouseWriter,
  WarehouseWriterOptions,
} from './warehouse-writer-api.ts';

export const ETL_DB_FILE = 'etl.duckdb';

export type {
  CommitResult,
  PublishResult,
  WarehouseWriter,
  WarehouseWriterOptions,
} from './warehouse-writer-api.ts';

class Writer implements WarehouseWriter {
  private tx: LakeTransaction | undefined;
  private lastPublishAt: number;
  private current: LakeManifest;
  private readonly root: string;

  constructor(
    private readonly warehouseDir: string,
    private readonly ledger: EtlLedger,
    private readonly stage: EtlStage,
    private readonly options: WarehouseWriterOptions,
  ) {
    this.root = lakeRootOf(lakeDirOf(warehouseDir), 'etl');
    this.current = readManifest(this.root);
    this.lastPublishAt = options.clock.now();
  }

  beginLoad(command: string, args?: unknown, source?: string): Promise<number> {
    return this.ledger.beginLoad(command, args, source);
  }

  storedSources(): Promise<Array<string | null>> {
    return this.ledger.storedSources();
  }

  finishLoad(loadId: number, summary: LoadSummary): Promise<void> {
    return this.ledger.finishLoad(loadId, summary);
  }

  async commitIntraday(commits: readonly IntradayCommit[], loadId: number): Promise<CommitResult> {
    let staged = 0;
    for (const commit of commits) {
      // why: a window overlapping one staged earlier (in this call or before) replaces it; writing the earlier
      // one first keeps "the later commit wins" (the rewrite drops the earlier rows of the overlapping dates).
      if (this.stage.overlaps({ dataset: 'bars', ...commit.window })) await this.flush();
      staged += this.stage.addIntraday([commit], loadId);
    }
    await this.afterCommit();
    return { staged };
  }

  commitEod(window: DailyWindow, bars: readonly FmpEodBar[], loadId: number): Promise<CommitResult> {
    return this.commitDaily('eod_bars', window, () => this.stage.addEod(window, bars, loadId));
  }

  commitSplits(window: DailyWindow, splits: readonly FmpSplit[], loadId: number): Promise<CommitResult> {
    return this.commitDaily('splits', window, () => this.stage.addSplits(window, splits, loadId));
  }

  commitDividends(
    window: DailyWindow,
    dividends: readonly FmpDividend[],
    loadId: number,
  ): Promise<CommitResult> {
    return this.commitDaily('dividends', window, () => this.stage.addDividends(window, dividends, loadId));
  }

  recordFailure(window: WindowKey, error: unknown, loadId: number): Promise<void> {
    return this.ledger.recordFailure(window, error, loadId);
  }

  async windowStates(
    filter: Partial<Pick<WindowState, 'dataset' | 'symbol' | 'interval' | 'status'>> = {},
  ): Promise<WindowState[]> {
    const stored = await this.ledger.windowStates();
    const byKey = new Map(stored.map((s) => [windowKeyOf(s), s]));
    const now = this.options.clock.now();
    for (const p of this.stage.pendingStates()) {
      const before = byKey.get(windowKeyOf(p));
      byKey.set(windowKeyOf(p), {
        dataset: p.dataset as WindowState['dataset'],
        symbol: p.symbol,
        interval: p.interval as WindowState['interval'],
        from: p.from,
        to: p.to,
        status: p.status,
        attempts: (before?.attempts ?? 0) + (p.commits ?? 1),
        rowCount: p.rowCount,
        quarantinedCount: p.quarantined?.length ?? before?.quarantinedCount ?? 0,
        loadId: p.loadId,
        error: p.error,
        updatedAt: now,
      });
    }
    const matches = (s: WindowState) =>
      Object.entries(filter).every(([k, v]) => v === undefined || s[k as keyof WindowState] === v);
    return [...byKey.values()]
      .filter(matches)
      .sort(
        (a, b) =>
          compare(a.dataset, b.dataset) ||
          compare(a.symbol, b.symbol) ||
          compare(a.interval, b.interval) ||
          compare(a.from, b.from),
      );
  }

  failedWindows(): Promise<WindowState[]> {
    return this.windowStates({ status: 'failed' });
  }

  quarantined(symbol?: string): Promise<(QuarantinedBar & WindowKey)[]> {
    return this.ledger.quarantined(symbol);
  }

  async watermarks(): Promise<Watermark[]> {
    const through = new Map<string, Watermark>();
    for (const s of await this.windowStates()) {
      if (s.status === 'failed') continue;
      const key = `${s.dataset}|${s.symbol}|${s.interval}`;
      const known = through.get(key);
      if (!known || known.throughDate < s.to)
        through.set(key, { dataset: s.dataset, symbol: s.symbol, interval: s.interval, throughDate: s.to });
    }
    return [...through.values()].sort(
      (a, b) =>
        compare(a.dataset, b.dataset) || compare(a.symbol, b.symbol) || compare(a.interval, b.interval),
    );
  }

  async publish(): Promise<PublishResult> {
    await this.flush();
    const tx = this.transaction();
    const states = this.stage.pendingStates();
    const now = this.options.clock.now();
    let manifest: LakeManifest;
    try {
      await refreshSessionsFile(this.ledger.connection, tx);
      this.lastPublishAt = now;
      this.tx = undefined;
      if (!tx.changed && states.length === 0) return { version: this.current.version, files: [], rows: 0 };
      manifest = tx.commit(now, states);
    } catch (error) {
      await this.abandon();
      throw error;
    }
    this.current = manifest;
    this.stage.clearStates();
    await this.ledger.applyManifestWindows(manifest.version, states);
    await writeCatalog(this.warehouseDir, this.options.clock);
    const deleted = collectGarbage(this.root, now, this.options.retention ?? DEFAULT_RETENTION);
    const files = tx.addedFiles.map((f) => f.path);
    const rows = tx.addedFiles.reduce((sum, f) => sum + f.rows, 0);
    this.options.log.info(
      {
        version: manifest.version,
        files: files.length,
        rows,
        windows: states.length,
        deleted: deleted.length,
      },
      'lake snapshot published',
    );
    return { version: manifest.version, files, rows };
  }

  manifest(): LakeManifest {
    return this.current;
  }

  close(): void {
    this.ledger.close();
  }

  private transaction(): LakeTransaction {
    this.tx ??= new LakeTransaction(this.root, this.ledger.connection, this.current);
    return this.tx;
  }

  private async flush(): Promise<void> {
    if (this.stage.rows === 0 && this.stage.pendingStates().length === 0) return;
    try {
      await this.stage.flush(this.transaction());
    } catch (error) {
      await this.abandon();
      throw error;
    }
  }

  /**
   * Drops the snapshot in the making and everything staged after a failed flush or publish. why: staged states
   * whose rows went into the abandoned files must not reach a later snapshot without them; those windows are
   * fetched again (their files are listed nowhere and collected on the next open).
   */
  private async abandon(): Promise<void> {
    this.tx = undefined;
    await this.stage.discard().catch(() => undefined);
  }

  private async commitDaily(
    dataset: WindowKey['dataset'],
    window: DailyWindow,
    add: () => Promise<number>,
  ): Promise<CommitResult> {
    if (this.stage.overlaps({ dataset, interval: '', ...window })) await this.flush();
    const staged = await add();
    await this.afterCommit();
    return { staged };
  }

  /** Writes staged rows once enough gathered; publishes when the last snapshot is old enough. */
  private async afterCommit(): Promise<void> {
    if (this.stage.rows >= (this.options.flushRows ?? 1_000_000)) await this.flush();
    if (this.options.clock.now() - this.lastPublishAt >= (this.options.publishEveryMs ?? 3 * 60_000))
      await this.publish();
  }
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
  const lakeDir = lakeDirOf(warehouseDir);
  const root = lakeRootOf(lakeDir, 'etl');
  const dbFile = path.join(warehouseDir, ETL_DB_FILE);
  try {
    let upgraded = false;
    const ledgerOptions = { log: options.log, clock: options.clock, memoryLimitMb: options.memoryLimitMb };
    let ledger = await EtlLedger.open(dbFile, {
      ...ledgerOptions,
      beforeMigrations: async (connection) => {
        upgraded = await publishV1Tables(connection, lakeDir, options);
      },
    });
    if (upgraded) {
      ledger.close();
      const sizes = await compactDuckDbFile(dbFile);
      options.log.warn(
        { etlDuckdbBytesBefore: sizes.before, etlDuckdbBytesAfter: sizes.after },
        'etl.duckdb now holds state only (lake v2)',
      );
      ledger = await EtlLedger.open(dbFile, ledgerOptions);
    }
    try {
      await catchUpLedger(ledger, root, options.log);
      // why: files of a publish that died before its manifest are listed nowhere; they go now.
      collectGarbage(root, options.clock.now(), options.retention ?? DEFAULT_RETENTION);
      // why: after an upgrade the old catalog still globs the v1 files; it is rebuilt over the first snapshot.
      if (upgraded || !fs.existsSync(path.join(warehouseDir, CATALOG_FILE)))
        await writeCatalog(warehouseDir, options.clock);
      const stage = await EtlStage.create(ledger.connection, Math.round(options.memoryLimitMb ?? 1024));
      return serialized(new Writer(warehouseDir, ledger, stage, options), lock);
    } catch (error) {
      ledger.close();
      throw error;
    }
  } catch (error) {
    lock?.release();
    throw error;
  }
}
