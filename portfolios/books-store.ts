/**
 * The trading books: `WAREHOUSE_DIR/books.duckdb`, opened only by the process holding the `books` writer lock,
 * and published as immutable Parquet files listed by the books' own snapshot manifest
 * (`WAREHOUSE_DIR/lake/books/manifest.json`) for the `positions`, `pnl_daily` and `trades` marts. Instants are
 * TIMESTAMPTZ (UTC).
 */
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Clock } from '../etl/core/clock.ts';
import { acquireWriterLock } from '../etl/core/writer-lock.ts';
import { applyMigrations, SCHEMA_DIR } from '../etl/load/migrations.ts';
import { writeCatalog } from '../etl/publish/catalog.ts';
import { collectGarbage, readManifest } from '../etl/publish/lake-manifest.ts';
import { LAKE_SOURCES, lakeRootOf } from '../etl/publish/lake-sources.ts';
import { LakeTransaction } from '../etl/publish/lake-transaction.ts';
import { lakeDirOf } from '../etl/publish/warehouse-snapshot.ts';

export const BOOKS_FILE = 'books.duckdb';
export const BOOKS_LOCK = 'books';

/** books.duckdb's numbered migrations. */
export const BOOKS_SCHEMA_DIR = path.join(SCHEMA_DIR, 'books');

/** Books tables published to the lake, with the query that produces each file (sorted by its lake source). */
export const PUBLISHED_BOOKS: { dir: string; query: string }[] = [
  { dir: 'positions', query: 'select * from positions' },
  { dir: 'pnl_daily', query: 'select * from pnl_daily' },
  {
    dir: 'trades',
    query: `select f.portfolio_id, f.order_id, f.run_id, f.symbol, f.quantity, f.price, f.commission,
        f.realized_pnl, o.submitted_at, f.filled_at
      from fills f left join orders o using (portfolio_id, order_id)`,
  },
];

export interface BooksSession {
  connection: DuckDBConnection;
  /** Publishes the books' tables as a new snapshot of `lake/books/` (new files; the old ones stay while kept). */
  publish(): Promise<string[]>;
  close(): void;
}

/**
 * Takes the `books` writer lock, opens books.duckdb (one instance per process) and applies the schema. Call
 * `close()` when done: it closes the database and releases the lock.
 */
export async function openBooks(
  warehouseDir: string,
  options: { clock: Clock; command: string; waitMs?: number },
): Promise<BooksSession> {
  const lock = await acquireWriterLock(warehouseDir, BOOKS_LOCK, {
    command: options.command,
    clock: options.clock,
    waitMs: options.waitMs,
  });
  let instance: Awaited<ReturnType<typeof DuckDBInstance.fromCache>> | undefined;
  let connection: DuckDBConnection | undefined;
  try {
    instance = await DuckDBInstance.fromCache(path.join(warehouseDir, BOOKS_FILE));
    connection = await instance.connect();
    await connection.run("set TimeZone = 'UTC'");
    await applyMigrations(connection, BOOKS_SCHEMA_DIR);
  } catch (error) {
    connection?.closeSync();
    instance?.closeSync();
    lock.release();
    throw error;
  }
  const conn = connection;
  const inst = instance;
  return {
    connection: conn,
    publish: async () => {
      const root = lakeRootOf(lakeDirOf(warehouseDir), 'books');
      const tx = new LakeTransaction(root, conn, readManifest(root));
      for (const table of PUBLISHED_BOOKS) {
        const source = LAKE_SOURCES.find((s) => s.root === 'books' && s.dir === table.dir)!;
        const previous = tx.files(source.dir);
        await tx.writeFile(source, '', table.query, { sort: true });
        tx.remove(source.dir, previous);
      }
      tx.commit(options.clock.now());
      await writeCatalog(warehouseDir, options.clock);
      collectGarbage(root, options.clock.now());
      return tx.addedFiles.map((f) => `books/${f.path}`);
    },
    close: () => {
      conn.closeSync();
      inst.closeSync();
      lock.release();
    },
  };
}
