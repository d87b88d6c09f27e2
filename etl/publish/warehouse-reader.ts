import path from 'node:path';
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResultReader,
  type DuckDBValue,
} from '@duckdb/node-api';
import { createViews } from './warehouse-views.ts';

/** A private in-memory DuckDB with every view of `sql/` over the lake; never touches the writer's files. */
export interface WarehouseReader {
  /**
   * Runs one query and reads all rows; retried (up to 4 more times) when it raced a publish that replaced a file
   * it was reading. Prefer it to `connection` for anything that runs while the ETL may publish.
   */
  query(sql: string, values?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<DuckDBResultReader>;
  /** The raw connection (no retry). */
  connection: DuckDBConnection;
  /** View names, in creation order (staging, intermediate, marts). */
  views: string[];
  close(): void;
}

// why: DuckDB's Parquet scan reads a file's footer when it binds and reopens the file BY PATH when it scans; a
// publish that renames a new version over the file in between makes the scan read new pages with the old
// footer ("TProtocolException: Invalid data"), or a file listed by the glob may be gone. Files are replaced
// atomically, so running the query again sees one consistent version.
// The message depends on which bytes the stale footer points at: besides the ones seen so far, any IO or Invalid
// error about a Parquet file counts. A file that is really corrupt fails the same way on every attempt and the
// last error is reported.
const RACED_A_PUBLISH =
  /TProtocolException|Invalid data|too small to be a Parquet file|No magic bytes|No such file or directory|No files found|Could not read enough bytes|(IO|Invalid) Error:[^\n]*parquet/i;
const QUERY_ATTEMPTS = 5;

/**
 * Runs `work` (queries over the lake) again when it failed because it raced a publish, up to QUERY_ATTEMPTS
 * times; other errors pass through. For code that holds a raw connection (status, quality checks, backtests).
 */
export async function retryOnPublishRace<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= QUERY_ATTEMPTS || !RACED_A_PUBLISH.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

function queryWithRetry(
  connection: DuckDBConnection,
  sql: string,
  values?: DuckDBValue[] | Record<string, DuckDBValue>,
): Promise<DuckDBResultReader> {
  return retryOnPublishRace(() => connection.runAndReadAll(sql, values));
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
      query: (sql, values) => queryWithRetry(connection, sql, values),
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
