/**
 * `mqs warehouse reset`: empties a warehouse's market data so it can be loaded from another source (a warehouse
 * holds one source's data: etl/pipeline/load-source.ts). Removes the ETL's state (etl.duckdb: window states,
 * quarantine, the loads ledger), the catalog and everything of the lake but the books (bars, daily bars, splits,
 * dividends, sessions, their manifests and snapshots), under the `etl` writer lock. Keeps the trading books (books.duckdb, lake/books/), reports, members, the audit log, backups
 * and logs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.ts';
import { acquireWriterLock } from '../core/writer-lock.ts';

/** The lake folder of the trading books, which a reset keeps. */
const BOOKS_LAKE = 'books';

/** What a reset removes, as paths relative to the warehouse (only those that exist). */
export function marketDataEntries(warehouseDir: string): string[] {
  const top = ['etl.duckdb', 'etl.duckdb.wal', 'catalog.duckdb', 'catalog.duckdb.wal'].filter((f) =>
    fs.existsSync(path.join(warehouseDir, f)),
  );
  const lakeDir = path.join(warehouseDir, 'lake');
  const lake = fs.existsSync(lakeDir)
    ? fs
        .readdirSync(lakeDir)
        .filter((name) => name !== BOOKS_LAKE)
        .sort()
        .map((name) => `lake/${name}`)
    : [];
  return [...top, ...lake];
}

/** Removes the market data; refuses at once (LockedError, naming the holder) while an ETL runs. */
export async function resetMarketData(warehouseDir: string, options: { clock: Clock }): Promise<string[]> {
  const lock = await acquireWriterLock(warehouseDir, 'etl', {
    command: 'mqs warehouse reset',
    clock: options.clock,
    waitMs: 0,
  });
  try {
    const entries = marketDataEntries(warehouseDir);
    for (const entry of entries) fs.rmSync(path.join(warehouseDir, entry), { recursive: true, force: true });
    return entries;
  } finally {
    lock.release();
  }
}
