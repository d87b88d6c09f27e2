import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, readMigrations, SCHEMA_DIR } from './migrations.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-migrations-'));
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

describe('schema migrations', () => {
  it('applies every migration once on a new file and none on the next open', async () => {
    const file = path.join(dir, 'etl.duckdb');
    const db = await openDb(file);
    const all = readMigrations().map((m) => m.version);
    expect(await applyMigrations(db.connection)).toEqual(all);
    // why: since lake v2 (migration 004) the ledger holds state only; market data lives in the lake.
    expect(
      (await db.rows("select table_name from duckdb_tables() where schema_name = 'main' order by 1")).map(
        (r) => r[0],
      ),
    ).toEqual(['lake_state', 'loads', 'quarantine', 'schema_version', 'windows']);
    // 003: every load records its source (NULL for loads from before it)
    expect(
      await db.rows(
        "select data_type, is_nullable from information_schema.columns where table_name = 'loads' and column_name = 'source'",
      ),
    ).toEqual([['VARCHAR', 'YES']]);
    db.close();
    const again = await openDb(file);
    expect(await applyMigrations(again.connection)).toEqual([]);
    again.close();
  });

  it('upgrades a version-1 file to an ENUM interval, keeping its bars and their column order', async () => {
    const file = path.join(dir, 'etl.duckdb');
    const v1 = path.join(dir, 'v1');
    fs.mkdirSync(v1);
    fs.copyFileSync(path.join(SCHEMA_DIR, '001_initial.sql'), path.join(v1, '001_initial.sql'));
    const db = await openDb(file);
    expect(await applyMigrations(db.connection, v1)).toEqual([1]);
    await db.connection.run(
      `insert into bars values
        ('AAPL', '1min', '2024-03-04 14:30:00+00', '2024-03-04 14:31:00+00', '2024-03-04', 1, 2, 0.5, 1.5, 100, 7),
        ('MSFT', '4hour', '2024-03-04 14:30:00+00', '2024-03-04 17:30:00+00', '2024-03-04', 3, 4, 2.5, 3.5, 200, 7)`,
    );
    const before = await db.rows('select * exclude (interval), interval::varchar from bars order by symbol');
    db.close();
    // why: the upgrade runs where it would in production: on the next open, in a fresh process-level instance.
    // (Migration 004 then drops the table once the lake v2 upgrade has published it: upgrade-v1.int.test.ts.)
    fs.copyFileSync(
      path.join(SCHEMA_DIR, '002_bar_interval_enum.sql'),
      path.join(v1, '002_bar_interval_enum.sql'),
    );
    const upgraded = await openDb(file);
    expect(await applyMigrations(upgraded.connection, v1)).toEqual([2]);
    expect(
      await upgraded.rows('select * exclude (interval), interval::varchar from bars order by symbol'),
    ).toEqual(before);
    expect(await upgraded.rows("select count(*) from bars where interval = '4hour'")).toEqual([[1n]]);
    expect(
      (
        await upgraded.rows(
          "select column_name from information_schema.columns where table_name = 'bars' order by ordinal_position",
        )
      ).map((r) => r[0]),
    ).toEqual([
      'symbol',
      'interval',
      'bar_start_at',
      'bar_end_at',
      'session_date',
      'open',
      'high',
      'low',
      'close',
      'volume',
      'load_id',
    ]);
    upgraded.close();
  });

  it('migrates a books file (sql/schema/books) made before its migrations existed, keeping its rows', async () => {
    const file = path.join(dir, 'books.duckdb');
    const db = await openDb(file);
    // why: books files of earlier releases created their tables inline, with no schema_version.
    await db.connection.run(
      'create table cash (portfolio_id varchar, cash double, allocated_capital double, last_decision_at timestamptz)',
    );
    await db.connection.run("insert into cash values ('momentum', 1000, 1000, null)");
    expect(await applyMigrations(db.connection, path.join(SCHEMA_DIR, 'books'))).toEqual([1]);
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
    expect(await applyMigrations(db.connection, path.join(SCHEMA_DIR, 'books'))).toEqual([]);
    db.close();
  });
});
