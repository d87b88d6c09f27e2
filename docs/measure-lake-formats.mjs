// Measures what docs/performance.md#lake-files cites for the lake's Parquet options: for each option set, one
// month of 1-minute bars (all symbols, sorted by symbol and time as the lake writes them) written to a Parquet
// file: bytes a bar, write time, and the CPU time of scanning single columns and of one symbol's rows, beside the
// same rows in a native DuckDB table.
// Run: `npm run bench -- query --keep DIR` once (it leaves DIR/native.duckdb), then
//      `node docs/measure-lake-formats.mjs DIR [YYYY-MM]` (default 2024-03).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, month = '2024-03'] = process.argv.slice(2);
if (!dir || !fs.existsSync(path.join(dir, 'native.duckdb'))) {
  console.error(
    'usage: node docs/measure-lake-formats.mjs DIR [YYYY-MM]  (DIR from npm run bench -- query --keep DIR)',
  );
  process.exit(2);
}
const OPTIONS = {
  'v1 dict 4096': 'compression zstd, row_group_size 32768, dictionary_size_limit 4096',
  'v2 dict 4096': 'compression zstd, row_group_size 32768, dictionary_size_limit 4096, parquet_version v2',
  'v2 dict 16384 (lake)':
    'compression zstd, row_group_size 32768, dictionary_size_limit 16384, parquet_version v2',
  'v2 lz4 dict 16384':
    'compression lz4_raw, row_group_size 32768, dictionary_size_limit 16384, parquet_version v2',
  'v2 dict 16384, row groups 8192':
    'compression zstd, row_group_size 8192, dictionary_size_limit 16384, parquet_version v2',
  'v2 dict 8192, row groups 8192':
    'compression zstd, row_group_size 8192, dictionary_size_limit 8192, parquet_version v2',
};
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'measure-lake-formats-'));
const con = await (await DuckDBInstance.create(':memory:')).connect();
await con.run("set TimeZone = 'UTC'");
await con.run('set parquet_metadata_cache = true');
await con.run(`attach '${path.join(dir, 'native.duckdb')}' as nat (read_only)`);
await con.run(`create table month_bars as select * exclude (interval) from nat.src_bars
  where interval = '1min' and date_trunc('month', session_date) = date '${month}-01' order by symbol, bar_start_at`);
const rows = Number((await con.runAndReadAll('select count(*) from month_bars')).getRowsJS()[0][0]);
const symbol = (await con.runAndReadAll('select min(symbol) from month_bars')).getRowsJS()[0][0];
const scans = {
  volume: 'select sum(volume) from T',
  close: 'select sum(close) from T',
  bar_start_at: 'select sum(epoch_us(bar_start_at)) from T',
  'one symbol': `select * from T where symbol = '${symbol}'`,
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function cpuMs(sql) {
  await con.runAndReadAll(sql);
  const samples = [];
  for (let i = 0; i < 7; i++) {
    const c0 = process.cpuUsage();
    await con.runAndReadAll(sql);
    const c = process.cpuUsage(c0);
    samples.push((c.user + c.system) / 1000);
  }
  return median(samples);
}
console.log(`${rows} bars of ${month}; CPU ms, median of 7; load average ${os.loadavg()[0].toFixed(1)}`);
const report = async (label, relation, bytes, writeMs) => {
  const parts = [`${label.padEnd(22)} ${(bytes / rows).toFixed(2).padStart(6)} B/bar`];
  if (writeMs !== undefined) parts.push(`write ${writeMs.toFixed(0)} ms`);
  for (const [name, sql] of Object.entries(scans))
    parts.push(`${name} ${(await cpuMs(sql.replaceAll('T', relation))).toFixed(0)}`);
  console.log(parts.join(' | '));
};
await con.run(`attach '${path.join(work, 'native.duckdb')}' as sub`);
await con.run('create table sub.bars as from month_bars');
await con.run('checkpoint sub');
await report('native table', 'sub.bars', fs.statSync(path.join(work, 'native.duckdb')).size);
for (const [label, options] of Object.entries(OPTIONS)) {
  const file = path.join(work, `${label.replaceAll(/\W+/g, '_')}.parquet`);
  const t0 = performance.now();
  await con.run(`copy month_bars to '${file}' (format parquet, ${options})`);
  await report(label, `read_parquet('${file}')`, fs.statSync(file).size, performance.now() - t0);
}
fs.rmSync(work, { recursive: true, force: true });
