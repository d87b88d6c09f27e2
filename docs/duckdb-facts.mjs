// Measures the DuckDB facts docs/performance.md cites: what a PRIMARY KEY costs on the bars table, and what
// each way of converting New York wall clock costs. Run: `node docs/duckdb-facts.mjs [rows]` (default 2,000,000).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const rows = Number(process.argv[2] ?? 2_000_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duckdb-facts-'));
const columns = `symbol varchar, ts timestamptz, open double, high double, low double, close double, volume bigint`;
// 500 symbols, one bar a minute each: the shape of a month of 1-minute bars.
const source = `select 'S' || (i % 500) as symbol, timestamptz '2024-01-02 14:30:00+00' + to_minutes((i // 500)::bigint) as ts,
  100 + (i % 97) * 0.01 as open, 101.0 as high, 99.0 as low, 100.5 as close, (i % 1000)::bigint as volume
  from range(${rows}) t(i)`;

async function timed(label, run) {
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  console.log(`${label}: ${ms.toFixed(0)} ms`);
  return ms;
}

async function loadInto(file, key) {
  const instance = await DuckDBInstance.create(file);
  const c = await instance.connect();
  await c.run(`create table src as ${source}`);
  await c.run(`create table bars (${columns}${key ? ', primary key (symbol, ts)' : ''})`);
  const ms = await timed(`insert ${rows} rows, ${key ? 'PRIMARY KEY' : 'no key'}`, async () => {
    await c.run('insert into bars select * from src');
    await c.run('checkpoint');
  });
  await c.run('drop table src');
  await c.run('checkpoint');
  const size = (
    await c.runAndReadAll(`select total_blocks * block_size from pragma_database_size()`)
  ).getRows()[0][0];
  console.log(`  database blocks: ${(Number(size) / 2 ** 20).toFixed(1)} MiB`);
  c.closeSync();
  instance.closeSync();
  return { ms, size: Number(size) };
}

const plain = await loadInto(path.join(dir, 'plain.duckdb'), false);
const keyed = await loadInto(path.join(dir, 'keyed.duckdb'), true);
console.log(
  `PRIMARY KEY: ${(keyed.ms / plain.ms).toFixed(1)}x the insert time, ${(keyed.size / plain.size).toFixed(1)}x the size`,
);

const instance = await DuckDBInstance.create(':memory:');
const c = await instance.connect();
await c.run(
  `create table t as select ts, strftime(timezone('America/New_York', ts), '%Y-%m-%d %H:%M:%S') as wall from (${source})`,
);
const tz = await timed('timezone(zone, timestamp) over wall clock', () =>
  c.run(`select count(*), max(timezone('America/New_York', wall::timestamp)) from t`),
);
const cast = await timed(`cast(wall || ' America/New_York' as timestamptz)`, () =>
  c.run(`select count(*), max(cast(wall || ' America/New_York' as timestamptz)) from t`),
);
console.log(`string cast: ${(cast / tz).toFixed(1)}x timezone()`);
const day = await timed('session date: timezone() then cast to date, group by', () =>
  c.run(`select count(*) from (select cast(timezone('America/New_York', ts) as date) d from t group by d)`),
);
const bucket = await timed(`time_bucket(interval 1 day, ts, 'America/New_York'), group by`, () =>
  c.run(
    `select count(*) from (select time_bucket(interval 1 day, ts, 'America/New_York') d from t group by d)`,
  ),
);
console.log(`time_bucket with a zone: ${(bucket / day).toFixed(1)}x the cast`);
c.closeSync();
instance.closeSync();
fs.rmSync(dir, { recursive: true, force: true });
