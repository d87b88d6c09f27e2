import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { createLogger } from '../core/log.ts';
import { applyMigrations, SCHEMA_DIR } from '../load/migrations.ts';
import { readManifest } from './lake-manifest.ts';
import { openWarehouseReader } from './warehouse-reader.ts';
import { openWarehouseWriter } from './warehouse-writer.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-upgrade-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const V1_BARS = `
  select 'AAPL' as symbol, '5min' as interval,
         (d::timestamp + interval 14 hour + interval 30 minute + to_minutes(5 * i))::timestamptz as bar_start_at,
         (d::timestamp + interval 14 hour + interval 35 minute + to_minutes(5 * i))::timestamptz as bar_end_at,
         d::date as session_date, 100 + i as open, 101 + i as high, 99 + i as low, 100.5 + i as close,
         (1000 + i)::bigint as volume, 1::bigint as load_id
  from (values (date '2024-03-04'), (date '2024-03-05'), (date '2024-04-01'), (date '2024-04-02')) s(d),
       range(78) r(i)`;

/**
 * Builds a warehouse as the previous release left it: schema migrations 001–002 with the bars in etl.duckdb
 * beside a lake of data_0.parquet files; March is published, April is marked dirty and its file is stale.
 */
async function writeV1Warehouse(): Promise<void> {
  const schemaV1 = path.join(dir, 'schema-v1');
  fs.mkdirSync(schemaV1);
  for (const f of fs.readdirSync(SCHEMA_DIR).filter((f) => /^00[12]_/.test(f)))
    fs.copyFileSync(path.join(SCHEMA_DIR, f), path.join(schemaV1, f));
  const instance = await DuckDBInstance.create(path.join(dir, 'etl.duckdb'));
  const con = await instance.connect();
  await con.run("set TimeZone = 'UTC'");
  await applyMigrations(con, schemaV1);
  await con.run(`insert into bars ${V1_BARS}`);
  await con.run(
    "insert into splits values ('AAPL', date '2024-03-05', 2, 1, 1), ('MSFT', date '2003-02-18', 2, 1, 1)",
  );
  await con.run(
    `insert into windows values ('bars', 'AAPL', '5min', date '2024-03-04', date '2024-04-02', 'loaded', 1, 312,
       0, 1, null, now())`,
  );
  await con.run("insert into loads values (nextval('load_id_seq'), 'etl', now(), now(), 'ok', '{}')");
  await con.run("insert into dirty_partitions values ('bars', 'interval=5min/month=2024-04')");
  const lake = path.join(dir, 'lake');
  const write = async (query: string, relative: string) => {
    fs.mkdirSync(path.dirname(path.join(lake, relative)), { recursive: true });
    await con.run(`copy (${query}) to '${path.join(lake, relative)}' (format parquet)`);
  };
  const barsOf = (month: number, extra = '') =>
    `select symbol, bar_start_at, 300::smallint as bar_seconds, session_date, open, high, low, close, volume,
       load_id from bars where month(session_date) = ${month} ${extra} order by symbol, bar_start_at`;
  await write(barsOf(3), 'bars/interval=5min/month=2024-03/data_0.parquet');
  await write(
    barsOf(4, "and session_date = date '2024-04-01'"),
    'bars/interval=5min/month=2024-04/data_0.parquet',
  );
  await write('select * from splits order by symbol, date', 'splits/data_0.parquet');
  con.closeSync();
  instance.closeSync();
  // why: a v1 catalog for the DuckDB CLI (its views globbed the lake); here one without lake_snapshot.
  const catalog = await DuckDBInstance.create(path.join(dir, 'catalog.duckdb'));
  const cat = await catalog.connect();
  await cat.run("create view bars as select 'v1' as note");
  cat.closeSync();
  catalog.closeSync();
}

function capture() {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { log: createLogger({ destination: sink, level: 'info' }), text: () => text };
}

describe('upgrading a v1 warehouse to lake v2', () => {
  it('publishes the bars of etl.duckdb as the first snapshot without refetching, once', async () => {
    await writeV1Warehouse();
    const before = fs.statSync(path.join(dir, 'etl.duckdb')).size;
    await expect(openWarehouseReader(dir)).rejects.toThrow(/run `mqs etl` once to upgrade/);

    const first = capture();
    const writer = await openWarehouseWriter({ warehouseDir: dir, log: first.log, clock: systemClock });
    expect(await writer.windowStates()).toMatchObject([{ symbol: 'AAPL', status: 'loaded', rowCount: 312 }]);
    writer.close();
    expect(first.text()).toMatch(/upgrading the warehouse to lake v2/);
    expect(first.text()).toMatch(/"adopted":2,"rewritten":1/);

    const manifest = readManifest(path.join(dir, 'lake'));
    expect(manifest.version).toBe(1);
    expect(manifest.properties.upgraded_from).toBe('v1');
    const bars = manifest.datasets.bars!.map((f) => f.path).sort();
    // why: March was published and is adopted as it is; April was dirty, so it is written from the table.
    expect(bars[0]).toMatch(/^bars\/interval=5min\/month=2024-03\/data_0\.parquet$/);
    expect(bars[1]).toMatch(/^bars\/interval=5min\/month=2024-04\/part-v000001-/);
    expect(manifest.datasets.splits!.map((f) => f.path)).toEqual(['splits/data_0.parquet']);

    const reader = await openWarehouseReader(dir);
    try {
      const rows = (
        await reader.query(
          `select count(*) n, count(distinct session_date) d, sum(close) c,
                  (select count(*) from splits) s, (select count(*) from sessions) > 0 sessions
           from bars`,
        )
      ).getRowObjectsJson();
      expect(rows).toEqual([
        { n: '312', d: '4', c: 4 * (78 * 100.5 + (77 * 78) / 2), s: '2', sessions: true },
      ]);
    } finally {
      reader.close();
    }
    // why: the ledger keeps its state only; the file is copied anew so the freed blocks go.
    const ledger = await DuckDBInstance.create(path.join(dir, 'etl.duckdb'), { access_mode: 'READ_ONLY' });
    const con = await ledger.connect();
    const tables = (await con.runAndReadAll('select table_name from duckdb_tables() order by 1'))
      .getRowsJS()
      .map((r) => r[0]);
    expect(tables).toEqual(['lake_state', 'loads', 'quarantine', 'schema_version', 'windows']);
    expect((await con.runAndReadAll('select count(*) from loads')).getRowsJS()).toEqual([[1n]]);
    con.closeSync();
    ledger.closeSync();
    expect(fs.statSync(path.join(dir, 'etl.duckdb')).size).toBeLessThanOrEqual(before);

    // why: the CLI catalog is rebuilt over the first snapshot's files, not left globbing v1's.
    const catalog = await DuckDBInstance.create(path.join(dir, 'catalog.duckdb'), {
      access_mode: 'READ_ONLY',
    });
    const cat = await catalog.connect();
    expect(
      (await cat.runAndReadAll("select version from lake_snapshot where root = 'etl'")).getRowsJS(),
    ).toEqual([[1]]);
    expect((await cat.runAndReadAll('select count(*) from bars')).getRowsJS()).toEqual([[312n]]);
    cat.closeSync();
    catalog.closeSync();

    const second = capture();
    const again = await openWarehouseWriter({ warehouseDir: dir, log: second.log, clock: systemClock });
    const loadId = await again.beginLoad('etl');
    expect(loadId).toBe(2);
    again.close();
    expect(second.text()).not.toMatch(/upgrad/);
    expect(readManifest(path.join(dir, 'lake')).version).toBe(1);
  });
});
