// Measures what docs/performance.md#reading-the-lake cites about how the views reach the lake's files: the bench's
// queries through the views of sql/ over one kept warehouse, with the bars relation built three ways, beside the
// native file, in one process (CPU ms and wall ms, median of RUNS after a warm-up; results must match native):
//   one-list    one read_parquet over every file of the snapshot
//   unguarded   one read_parquet per month partition, UNION ALL
//   guarded     the reader's relation (lake-sources.ts): per month, guarded by its session_date range
// Run: `npm run bench -- query --keep DIR` once, then `npx tsx docs/measure-lake-reads.mts DIR` (tsx: it imports
// the reader's modules). Q=q1,q4 picks queries, RUNS=5 sets the runs.
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString, sqlStringList } from '../etl/core/sql-literals.ts';
import { type LakeSource, sourceRelationSql } from '../etl/publish/lake-sources.ts';
import { readWarehouseSnapshot, snapshotRelationFiles } from '../etl/publish/warehouse-snapshot.ts';
import { createViews } from '../etl/publish/warehouse-views.ts';

const dir = process.argv[2];
if (!dir) {
  console.error(
    'usage: npx tsx docs/measure-lake-reads.mts DIR  (DIR from npm run bench -- query --keep DIR)',
  );
  process.exit(2);
}
const snapshot = readWarehouseSnapshot(path.join(dir, 'warehouse'));
const HIVE = "hive_partitioning = true, hive_types = {'interval': VARCHAR, 'month': VARCHAR}";
const relations: Record<string, (source: LakeSource) => string> = {
  'one-list': (source) => {
    const files = snapshotRelationFiles(snapshot, source);
    if (source.name !== 'bars') return sourceRelationSql(source, files);
    return `read_parquet(${sqlStringList(files.map((f) => f.path))}, ${HIVE})`;
  },
  unguarded: (source) => {
    const files = snapshotRelationFiles(snapshot, source);
    if (source.name !== 'bars') return sourceRelationSql(source, files);
    const months = new Map<string, string[]>();
    for (const f of files) months.set(f.partition, [...(months.get(f.partition) ?? []), f.path]);
    const branches = [...months.values()].map(
      (list) => `select * from read_parquet(${sqlStringList(list)}, ${HIVE})`,
    );
    return `(${branches.join(' union all ')})`;
  },
  guarded: (source) => sourceRelationSql(source, snapshotRelationFiles(snapshot, source)),
};
const symbol = 'AAPL';
const QUERIES: Record<string, string> = {
  q1: `from bars where symbol = ${sqlString(symbol)} and interval = '1min' and session_date >= date '2024-03-01' and session_date < date '2024-04-01' order by bar_start_at`,
  q2: `select symbol, arg_max(close, bar_start_at) as last_close, sum(volume) as volume from bars where interval = '1min' and session_date = date '2024-03-14' group by symbol order by symbol`,
  q3: 'from bars_daily order by symbol, session_date',
  q4: 'select symbol, avg(volume) as mean_volume from bars group by symbol order by symbol',
  q5: `select bar_start_at, adj_close from bars where symbol = 'NVDA' and interval = '1min' order by bar_start_at`,
};
const names = process.env.Q ? process.env.Q.split(',') : ['q1', 'q2', 'q4', 'q5'];
const runs = Number(process.env.RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
type Connection = Awaited<ReturnType<DuckDBInstance['connect']>>;
async function timed(con: Connection, sql: string) {
  await con.runAndReadAll(sql);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await con.runAndReadAll(sql);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return `${median(cpu).toFixed(0)} cpu / ${median(wall).toFixed(0)} ms`;
}
const checksum = async (con: Connection, sql: string) =>
  (await con.runAndReadAll(`select count(*), sum(hash(q)) from (${sql}) q`)).getRowsJS()[0]!.join('/');

const native = await (
  await DuckDBInstance.create(path.join(dir, 'native.duckdb'), { access_mode: 'READ_ONLY' })
).connect();
await native.run("set TimeZone = 'UTC'");
const lakes: Record<string, Connection> = {};
for (const [name, relation] of Object.entries(relations)) {
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run("set TimeZone = 'UTC'");
  await con.run('set parquet_metadata_cache = true');
  await createViews(con, relation);
  lakes[name] = con;
}
console.log(
  `${snapshotRelationFiles(snapshot, { root: 'etl', dir: 'bars' } as LakeSource).length} bar files`,
);
for (const q of names) {
  const sql = QUERIES[q]!;
  const expected = await checksum(native, sql);
  const parts = [`${q}: native ${await timed(native, sql)}`];
  for (const [name, con] of Object.entries(lakes)) {
    if ((await checksum(con, sql)) !== expected) throw new Error(`${q}: ${name} differs from native`);
    parts.push(`${name} ${await timed(con, sql)}`);
  }
  console.log(parts.join(' | '));
}
