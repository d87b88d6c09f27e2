/**
 * The trading books: `WAREHOUSE_DIR/books.duckdb`, opened only by the process holding the `books` writer lock,
 * and published as Parquet under `WAREHOUSE_DIR/lake/books/<table>/data_0.parquet` (written to a staging name,
 * then renamed into place) for the `positions`, `pnl_daily` and `trades` marts. Instants are TIMESTAMPTZ (UTC).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Clock } from '../etl/core/clock.ts';
import { acquireWriterLock } from '../etl/core/writer-lock.ts';

export const BOOKS_FILE = 'books.duckdb';
export const BOOKS_LOCK = 'books';

const SCHEMA = [
  `create table if not exists book_runs (run_id bigint, as_of timestamptz, portfolios integer, failed integer)`,
  `create table if not exists orders (portfolio_id varchar, order_id bigint, run_id bigint, symbol varchar,
    quantity double, submitted_at timestamptz, status varchar, closed_at timestamptz)`,
  `create table if not exists refused_orders (portfolio_id varchar, run_id bigint, refused_at timestamptz, symbol varchar,
    quantity double, reason varchar)`,
  `create table if not exists fills (portfolio_id varchar, order_id bigint, run_id bigint, symbol varchar,
    quantity double, price double, commission double, realized_pnl double, filled_at timestamptz)`,
  `create table if not exists positions (portfolio_id varchar, symbol varchar, quantity double,
    average_cost double, mark double, market_value double, as_of timestamptz)`,
  `create table if not exists cash (portfolio_id varchar, cash double, allocated_capital double,
    last_decision_at timestamptz)`,
  `create table if not exists pnl_daily (portfolio_id varchar, session_date date, equity double, cash double,
    gross_exposure double, net_exposure double, realized_pnl double, commission double, pnl double,
    daily_return double, as_of timestamptz)`,
];

/** Books tables published to the lake, with the query that produces each file (sorted for stable output). */
export const PUBLISHED_BOOKS: { dir: string; query: string }[] = [
  { dir: 'positions', query: 'select * from positions order by portfolio_id, symbol' },
  { dir: 'pnl_daily', query: 'select * from pnl_daily order by portfolio_id, session_date' },
  {
    dir: 'trades',
    query: `select f.portfolio_id, f.order_id, f.run_id, f.symbol, f.quantity, f.price, f.commission,
        f.realized_pnl, o.submitted_at, f.filled_at
      from fills f left join orders o using (portfolio_id, order_id)
      order by f.portfolio_id, f.filled_at, f.order_id`,
  },
];

export interface BooksSession {
  connection: DuckDBConnection;
  /** Writes the published tables to the lake (staging file + rename). */
  publish(): Promise<string[]>;
  close(): void;
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

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
  const { DuckDBInstance } = await import('@duckdb/node-api');
  let instance: Awaited<ReturnType<typeof DuckDBInstance.fromCache>> | undefined;
  let connection: DuckDBConnection | undefined;
  try {
    instance = await DuckDBInstance.fromCache(path.join(warehouseDir, BOOKS_FILE));
    connection = await instance.connect();
    await connection.run("set TimeZone = 'UTC'");
    for (const statement of SCHEMA) await connection.run(statement);
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
      const lake = path.join(warehouseDir, 'lake');
      const staging = path.join(lake, '.staging-books');
      fs.mkdirSync(staging, { recursive: true });
      const written: string[] = [];
      for (const table of PUBLISHED_BOOKS) {
        const staged = path.join(staging, `${table.dir}.parquet`);
        await conn.run(`copy (${table.query}) to ${sqlString(staged)} (format parquet, compression zstd)`);
        const live = path.join(lake, 'books', table.dir, 'data_0.parquet');
        fs.mkdirSync(path.dirname(live), { recursive: true });
        fs.renameSync(staged, live);
        written.push(path.relative(lake, live));
      }
      return written;
    },
    close: () => {
      conn.closeSync();
      inst.closeSync();
      lock.release();
    },
  };
}
