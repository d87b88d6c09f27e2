import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { createViews } from './warehouse-views.ts';

/** A private in-memory DuckDB with every view of `sql/` over the lake; never touches the writer's files. */
export interface WarehouseReader {
  connection: DuckDBConnection;
  /** View names, in creation order (staging, intermediate, marts). */
  views: string[];
  close(): void;
}

/** The lake folder of a warehouse. */
export function lakeDirOf(warehouseDir: string): string {
  return path.join(path.resolve(warehouseDir), 'lake');
}

/**
 * Opens a reader over `WAREHOUSE_DIR/lake`. Works on an empty or missing lake (views then return no rows; a
 * dataset that had no files when the reader opened stays empty until the reader is reopened). Takes no lock and
 * never waits for the writer: files are replaced by rename, so a query sees the old file or the new one.
 * Session time zone is UTC.
 */
export async function openWarehouseReader(warehouseDir: string): Promise<WarehouseReader> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run("set TimeZone = 'UTC'");
    const views = await createViews(connection, lakeDirOf(warehouseDir));
    return {
      connection,
      views,
      close: () => {
        connection.closeSync();
        instance.closeSync();
      },
    };
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
}
