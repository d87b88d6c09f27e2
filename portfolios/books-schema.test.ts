import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../etl/load/migrations.ts';
import { BOOKS_SCHEMA_DIR } from './books-store.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-books-schema-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function openDb(file: string) {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  return {
    connection,
    rows: async (sql: string) => (await connection.runAndReadAll(sql)).getRowsJS(),
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

describe('books schema migrations', () => {
  it('migrates a books file made before its migrations existed, keeping its rows', async () => {
    const file = path.join(dir, 'books.duckdb');
    const db = await openDb(file);
    // why: books files of earlier releases created their tables inline, with no schema_version.
    await db.connection.run(
      'create table cash (portfolio_id varchar, cash double, allocated_capital double, last_decision_at timestamptz)',
    );
    await db.connection.run("insert into cash values ('momentum', 1000, 1000, null)");
    expect(await applyMigrations(db.connection, BOOKS_SCHEMA_DIR)).toEqual([1]);
    expect(await db.rows('select portfolio_id, cash from cash')).toEqual([['momentum', 1000]]);
    expect(
      (await db.rows("select table_name from duckdb_tables() where schema_name = 'main' order by 1")).map(
        (r) => r[0],
      ),
    ).toEqual([
      'book_runs',
      'cash',
      'fills',
      'orders',
      'pnl_daily',
      'positions',
      'refused_orders',
      'schema_version',
    ]);
    expect(await applyMigrations(db.connection, BOOKS_SCHEMA_DIR)).toEqual([]);
    db.close();
  });
});
