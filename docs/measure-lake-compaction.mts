// Measures what docs/performance.md#reading-the-lake cites about compacting the lake and about Parquet's floor:
//   1. copies a kept bench warehouse (`npm run bench -- query --keep DIR`) to OUT with each month's bar files
//      merged into one file sorted by (symbol, time), written with the lake's PARQUET_OPTIONS, and a manifest
//      listing them (OUT then serves `npx tsx docs/measure-lake-reads.mts OUT`, beside the same native file);
//   2. the floor: scans of those files read directly (one read_parquet, no views, no union) against the native
//      table, CPU ms and wall ms, median of 7 after a warm-up.
// Run: `npx tsx docs/measure-lake-compaction.mts DIR OUT` (tsx: it imports the lake's modules).
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString, sqlStringList } from '../etl/core/sql-literals.ts';
import type { LakeFile } from '../etl/publish/lake-manifest.ts';
import { PARQUET_OPTIONS } from '../etl/publish/lake-transaction.ts';

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error(
    'usage: npx tsx docs/measure-lake-compaction.mts DIR OUT  (DIR from npm run bench -- query --keep DIR)',
  );
  process.exit(2);
}
const lakeSrc = path.join(src, 'warehouse', 'lake');
const lakeOut = path.join(out, 'warehouse', 'lake');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
fs.copyFileSync(path.join(src, 'native.duckdb'), path.join(out, 'native.duckdb'));
const barsDir = `${path.sep}bars${path.sep}`;
fs.cpSync(lakeSrc, lakeOut, {
  recursive: true,
  filter: (p) => !p.includes(barsDir) || fs.statSync(p).isDirectory(),
});

const manifest = JSON.parse(fs.readFileSync(path.join(lakeSrc, 'manifest.json'), 'utf8')) as {
  datasets: Record<string, LakeFile[]>;
};
const partitions = new Map<string, LakeFile[]>();
for (const f of manifest.datasets.bars ?? [])
  partitions.set(f.partition, [...(partitions.get(f.partition) ?? []), f]);
const con = await (await DuckDBInstance.create(':memory:')).connect();
await con.run("set TimeZone = 'UTC'");
const compacted: LakeFile[] = [];
const t0 = performance.now();
for (const [partition, files] of partitions) {
  const rel = `bars/${partition}/part-compacted.parquet`;
  const file = path.join(lakeOut, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const list = sqlStringList(files.map((f) => path.join(lakeSrc, f.path)));
  await con.run(
    `copy (select * from read_parquet(${list}, hive_partitioning = false) order by symbol, bar_start_at) to ${sqlString(file)} (${PARQUET_OPTIONS})`,
  );
  const pick = (side: 'min' | 'max') =>
    Object.fromEntries(
      Object.keys(files[0]!.min).map((k) => {
        const values = files.map((f) => f[side][k]!).sort();
        return [k, side === 'min' ? values[0]! : values.at(-1)!];
      }),
    );
  const rows = files.reduce((a, f) => a + f.rows, 0);
  compacted.push({
    path: rel,
    partition,
    rows,
    bytes: fs.statSync(file).size,
    min: pick('min'),
    max: pick('max'),
  });
}
manifest.datasets.bars = compacted;
fs.writeFileSync(path.join(lakeOut, 'manifest.json'), JSON.stringify(manifest));
const bars = compacted.reduce((a, f) => a + f.rows, 0);
const bytes = compacted.reduce((a, f) => a + f.bytes, 0);
console.log(
  `compacted ${partitions.size} partitions (${bars} bars) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${(bytes / bars).toFixed(2)} bytes a bar in the bar files`,
);

// 2. The floor.
const native = await (
  await DuckDBInstance.create(path.join(out, 'native.duckdb'), { access_mode: 'READ_ONLY' })
).connect();
await con.run('set parquet_metadata_cache = true');
const files = sqlStringList(compacted.map((f) => path.join(lakeOut, f.path)));
const timed = async (c: typeof con, sql: string) => {
  await c.runAndReadAll(sql);
  const runs: [number, number][] = [];
  for (let i = 0; i < 7; i++) {
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    await c.runAndReadAll(sql);
    const cpu = process.cpuUsage(cpu0);
    runs.push([(cpu.user + cpu.system) / 1000, performance.now() - wall0]);
  }
  runs.sort((a, b) => a[0] - b[0]);
  const [cpu, wall] = runs[3]!;
  return `${cpu.toFixed(0)} cpu / ${wall.toFixed(0)} ms`;
};
const SCANS: Record<string, string> = {
  'sum(volume)': 'select sum(volume) from R',
  'q4 mean volume per symbol': 'select symbol, avg(volume) from R group by symbol',
  'count of one session': "select count(*) from R where session_date = date '2024-03-14'",
  "one symbol's closes": "select sum(close) from R where symbol = 'NVDA'",
};
for (const [name, sql] of Object.entries(SCANS)) {
  const lake = await timed(con, sql.replace('R', `read_parquet(${files})`));
  const nat = await timed(native, sql.replace('R', 'src_bars'));
  console.log(`${name}: Parquet ${lake} | native ${nat}`);
}
