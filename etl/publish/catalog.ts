import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { lakeDirOf } from './warehouse-reader.ts';
import { createViews, readViewDefinitions, renderViewSql } from './warehouse-views.ts';

export const CATALOG_FILE = 'catalog.duckdb';

/**
 * Writes `WAREHOUSE_DIR/catalog.duckdb`: the same views as the reader, over absolute lake paths, for the DuckDB
 * CLI (`duckdb -readonly warehouse/catalog.duckdb`). Built under a temporary name and renamed into place, so a
 * CLI holding the old catalog open keeps working. The writers never open it.
 */
export async function writeCatalog(warehouseDir: string): Promise<string> {
  const target = path.join(path.resolve(warehouseDir), CATALOG_FILE);
  const temp = `${target}.tmp-${process.pid}`;
  fs.rmSync(temp, { force: true });
  fs.rmSync(`${temp}.wal`, { force: true });
  const instance = await DuckDBInstance.create(temp);
  try {
    const connection = await instance.connect();
    try {
      await createViews(connection, lakeDirOf(warehouseDir));
      await connection.run('checkpoint');
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  fs.renameSync(temp, target);
  return target;
}

/** Fingerprint of the catalog's content: every view's SQL as rendered for the lake now. */
export function catalogFingerprint(warehouseDir: string): string {
  const lakeDir = lakeDirOf(warehouseDir);
  const hash = createHash('sha256');
  for (const view of readViewDefinitions()) hash.update(`${view.name}\n${renderViewSql(view, lakeDir)}\n`);
  return hash.digest('hex');
}
