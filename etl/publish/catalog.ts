import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Clock } from '../core/clock.ts';
import { acquireWriterLock } from '../core/writer-lock.ts';
import { readWarehouseSnapshot, snapshotRelation, snapshotViewSql } from './warehouse-snapshot.ts';
import { createViews } from './warehouse-views.ts';

export const CATALOG_FILE = 'catalog.duckdb';

/**
 * Writes `WAREHOUSE_DIR/catalog.duckdb` for the current snapshot: the same views as the reader, over that
 * snapshot's explicit file lists (absolute paths), plus `lake_snapshot` (the manifest versions it is bound to),
 * for the DuckDB CLI (`duckdb -readonly warehouse/catalog.duckdb`). Built under a temporary name and renamed into
 * place, so a CLI session holding the old catalog open keeps reading the files of its snapshot (kept by the
 * retention policy). Both writers (ETL and books) call it after they publish; the `catalog` lock orders them so
 * the file renamed last is built from the newest manifests of both.
 */
export async function writeCatalog(warehouseDir: string, clock: Clock): Promise<string> {
  const dir = path.resolve(warehouseDir);
  const target = path.join(dir, CATALOG_FILE);
  const lock = await acquireWriterLock(dir, 'catalog', { command: 'catalog', waitMs: 60_000, clock });
  try {
    const temp = `${target}.tmp-${process.pid}`;
    // why: a writer killed while building the catalog leaves its temporary file behind.
    for (const name of fs.readdirSync(dir)) {
      if (name.startsWith(`${CATALOG_FILE}.tmp-`)) fs.rmSync(path.join(dir, name), { force: true });
    }
    const snapshot = readWarehouseSnapshot(dir);
    const instance = await DuckDBInstance.create(temp);
    try {
      const connection = await instance.connect();
      try {
        await createViews(connection, snapshotRelation(snapshot));
        await connection.run(snapshotViewSql(snapshot));
        await connection.run('checkpoint');
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
    fs.renameSync(temp, target);
    return target;
  } finally {
    lock.release();
  }
}
