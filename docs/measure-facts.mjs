// Measures the facts docs/performance.md cites without a bench of their own: what a PRIMARY KEY costs on the bars
// table, and what each way of converting to New York time costs, in DuckDB and in JavaScript.
// Run: `npx tsx docs/measure-facts.mjs [rows]` (default 2,000,000; tsx because it imports etl/core/time.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const rows = Number(process.argv[2] ?? 2_000_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'measure-facts-'));
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

// JavaScript: the US rules of etl/core/time.ts against Intl.DateTimeFormat, one conversion a row.
const { utcMsToNyWallMs } = await import('../etl/core/time.ts');
const first = Date.UTC(2024, 0, 2, 14, 30);
let sink = 0;
const ruleMs = await timed('utcMsToNyWallMs (US rules)', () => {
  for (let i = 0; i < rows; i++) sink += utcMsToNyWallMs(first + i * 60_000);
});
const intl = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const intlRows = Math.ceil(rows / 10);
const intlMs =
  (await timed(`Intl.DateTimeFormat#formatToParts, ${intlRows} rows`, () => {
    for (let i = 0; i < intlRows; i++) sink += intl.formatToParts(first + i * 60_000).length;
  })) *
  (rows / intlRows);
console.log(`Intl per row: ${(intlMs / ruleMs).toFixed(0)}x the US rules (${sink > 0 ? 'checked' : '?'})`);
