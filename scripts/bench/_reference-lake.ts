/**
 * The reference of `bench load` and `bench etl`: the job ours does, in DuckDB's own SQL, on the same FMP bodies.
 *  stage   read_json with explicit columns (1-minute bodies, newest first, New York wall-clock labels); the symbol
 *          from the file name; bar_start_at = timezone('America/New_York', wall label) (UTC instant); session_date
 *          = the label's date (the New York date); bar_seconds = the interval's length (bar_end_at − bar_start_at;
 *          why no calendar: a 1-minute bar never straddles a close, so early closes only matter for bars of 30
 *          minutes and more, which these benches do not load); the same price/volume checks ours quarantines by
 *          (non-positive or non-finite prices, high/low outside open/close, negative volume) → a temp table.
 *  publish per touched (interval, New York month): the bars not already stored with the same values (anti-join
 *          against the partition's files listed by the lake manifest; nothing on a fresh warehouse, but the SQL
 *          does it), plus the stored bars they do not replace, written as ONE zstd Parquet file sorted by
 *          (symbol, bar_start_at) with the writer's COPY options (PARQUET_OPTIONS) and columns, under a temp name, then
 *          renamed; then `lake/manifest.json` (version; per file path, rows, bytes, min/max symbol and
 *          bar_start_at, from COPY … RETURN_STATS) written to a temp name and renamed into place.
 * Not done (ours does): dropping exact duplicate bars within one body (the simulator sends none), quarantining
 * bars of non-session days, window state and the load ledger.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { sqlString, sqlStringList } from '../../etl/core/sql-literals.ts';
import { lakeSource } from '../../etl/publish/lake-sources.ts';
import { PARQUET_OPTIONS } from '../../etl/publish/lake-transaction.ts';
import { openWarehouseReader } from '../../etl/publish/warehouse-reader.ts';

/** The writer's COPY options: the same file format as ours. */
export const REFERENCE_PARQUET_OPTIONS = PARQUET_OPTIONS;

/** The lake file columns, as LAKE_SOURCES declares them. */
const COLUMNS = lakeSource('bars').columns;
const COLUMN_LIST = COLUMNS.map(([c]) => c).join(', ');

const INTERVAL_SECONDS: Record<string, number> = {
  '1min': 60,
  '5min': 300,
  '15min': 900,
  '30min': 1800,
  '1hour': 3600,
  '4hour': 14400,
};

export interface ManifestFile {
  path: string;
  rows: number;
  bytes: number;
  min_symbol: string;
  max_symbol: string;
  min_bar_start_at: string;
  max_bar_start_at: string;
}

export interface Manifest {
  version: number;
  created_at: string;
  files: ManifestFile[];
}

/** Creates the staging table (temp: it spills to the database's temp folder, it is not kept). */
export async function createReferenceStaging(con: DuckDBConnection): Promise<void> {
  await con.run("set TimeZone = 'UTC'");
  await con.run(
    `create or replace temp table ref_stage (interval VARCHAR, ${COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')})`,
  );
}

/**
 * Stages FMP intraday bodies (`<SYMBOL>__<from>.json[.gz]`, as received) of one interval. Returns the statement's
 * row count.
 */
export async function stageBodies(
  con: DuckDBConnection,
  files: string[],
  interval: string,
  loadId: number,
): Promise<number> {
  const seconds = INTERVAL_SECONDS[interval];
  if (!seconds) throw new Error(`reference: unknown interval ${interval}`);
  const result = await con.run(
    `insert into ref_stage
     select ${sqlString(interval)}, symbol, timezone('America/New_York', wall) as bar_start_at,
            ${seconds}::smallint as bar_seconds, wall::date as session_date, open, high, low, close, volume,
            ${loadId}::bigint as load_id
     from (
       select split_part(parse_filename(filename, true), '__', 1) as symbol,
              strptime(date, '%Y-%m-%d %H:%M:%S') as wall, open, high, low, close, volume
       from read_json(${sqlStringList(files)}, format = 'array', filename = true,
         compression = 'auto_detect',
         columns = {date: 'VARCHAR', open: 'DOUBLE', low: 'DOUBLE', high: 'DOUBLE', close: 'DOUBLE', volume: 'BIGINT'})
     )
     where isfinite(open) and isfinite(high) and isfinite(low) and isfinite(close)
       and open > 0 and high > 0 and low > 0 and close > 0
       and high >= greatest(open, close, low) and low <= least(open, close) and volume >= 0`,
  );
  return result.rowsChanged;
}

function readManifest(lakeDir: string): Manifest | undefined {
  const file = path.join(lakeDir, 'manifest.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest) : undefined;
}

/**
 * Publishes the staged bars into `lakeDir` (see the file comment) and returns the files written and the bars that
 * were new or changed (ours' `inserted`).
 */
export async function publishReferenceLake(
  con: DuckDBConnection,
  lakeDir: string,
): Promise<{ files: string[]; rows: number }> {
  const previous = readManifest(lakeDir);
  const version = (previous?.version ?? 0) + 1;
  const stagingDir = path.join(lakeDir, '.staging');
  fs.mkdirSync(stagingDir, { recursive: true });
  const partitions = (
    await con.runAndReadAll(
      `select distinct interval, strftime(session_date, '%Y-%m') as month from ref_stage order by all`,
    )
  ).getRowsJS() as [string, string][];
  const kept = new Map((previous?.files ?? []).map((f) => [f.path, f]));
  const written: string[] = [];
  let rows = 0;
  for (const [interval, month] of partitions) {
    const dir = `bars/interval=${interval}/month=${month}/`;
    const stored = [...kept.values()].filter((f) => f.path.startsWith(dir));
    const storedRelation =
      stored.length > 0
        ? `read_parquet(${sqlStringList(stored.map((f) => path.join(lakeDir, f.path)))})`
        : `(select ${COLUMNS.map(([c, t]) => `null::${t} as ${c}`).join(', ')} limit 0)`;
    const staged = `select ${COLUMN_LIST} from ref_stage
      where interval = ${sqlString(interval)} and session_date >= date '${month}-01'
        and session_date < date '${month}-01' + interval 1 month`;
    // why values as well as the key: a bar stored with the same values is not new (a rerun writes nothing);
    // one with other values replaces the stored one, as ours' merge does.
    const changedSql = `select s.* from (${staged}) s anti join (select ${COLUMN_LIST} from ${storedRelation}) t
      on t.symbol = s.symbol and t.bar_start_at = s.bar_start_at and t.bar_seconds = s.bar_seconds
        and t.session_date = s.session_date and t.open = s.open and t.high = s.high and t.low = s.low
        and t.close = s.close and t.volume = s.volume`;
    let changed: number | undefined;
    if (stored.length > 0) {
      changed = Number((await con.runAndReadAll(`select count(*) from (${changedSql})`)).getRowsJS()[0]![0]);
      if (changed === 0) continue;
    }
    const query = `with changed as (${changedSql}),
      stored as (select ${COLUMN_LIST} from ${storedRelation})
      select * from stored anti join changed on changed.symbol = stored.symbol
        and changed.bar_start_at = stored.bar_start_at
      union all
      select * from changed
      order by symbol, bar_start_at`;
    const name = `part-${String(version).padStart(6, '0')}.parquet`;
    const temp = path.join(stagingDir, `${interval}-${month}-${name}`);
    const stats = (
      await con.runAndReadAll(
        `copy (${query}) to ${sqlString(temp)} (${REFERENCE_PARQUET_OPTIONS}, return_stats)`,
      )
    ).getRowObjectsJS()[0]!;
    const columnStats = stats.column_statistics as { key: string; value: { key: string; value: string }[] }[];
    const stat = (column: string, key: 'min' | 'max') =>
      columnStats.find((c) => c.key === `"${column}"`)?.value.find((v) => v.key === key)?.value ?? '';
    const relative = `${dir}${name}`;
    fs.mkdirSync(path.join(lakeDir, dir), { recursive: true });
    fs.renameSync(temp, path.join(lakeDir, relative));
    for (const f of stored) kept.delete(f.path);
    kept.set(relative, {
      path: relative,
      rows: Number(stats.count),
      bytes: Number(stats.file_size_bytes),
      min_symbol: stat('symbol', 'min'),
      max_symbol: stat('symbol', 'max'),
      min_bar_start_at: stat('bar_start_at', 'min'),
      max_bar_start_at: stat('bar_start_at', 'max'),
    });
    written.push(relative);
    rows += changed ?? Number(stats.count);
  }
  if (written.length > 0) {
    const manifest: Manifest = {
      version,
      created_at: new Date().toISOString(),
      files: [...kept.values()].sort((a, b) => a.path.localeCompare(b.path)),
    };
    const temp = path.join(stagingDir, 'manifest.json');
    fs.writeFileSync(temp, JSON.stringify(manifest, null, 1));
    fs.renameSync(temp, path.join(lakeDir, 'manifest.json'));
  }
  fs.rmSync(stagingDir, { recursive: true, force: true });
  return { files: written, rows };
}

/**
 * Fails unless ours (read through the public reader) and the reference's lake (the files its manifest lists) hold
 * the same bars: count and an order-independent checksum of every column but load_id. Not timed.
 */
export async function checkSameBars(warehouseDir: string, refLakeDir: string): Promise<void> {
  const manifest = JSON.parse(fs.readFileSync(path.join(refLakeDir, 'manifest.json'), 'utf8')) as {
    files: { path: string; rows: number }[];
  };
  const files = sqlStringList(manifest.files.map((f) => path.join(refLakeDir, f.path)));
  const sum = (relation: string) =>
    `select count(*)::varchar || ' ' || coalesce(sum(hash(symbol, bar_start_at, epoch(bar_end_at) - epoch(bar_start_at),
       session_date, open, high, low, close, volume)), 0)::varchar from ${relation}`;
  const reader = await openWarehouseReader(warehouseDir);
  let ours: unknown;
  try {
    ours = (await reader.query(sum('stg_lake__bars'))).getRowsJS()[0]![0];
  } finally {
    reader.close();
  }
  // why: the members' reader is sandboxed to its own snapshot's files; the reference's lake is read apart.
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run("set TimeZone = 'UTC'");
    const ref = (
      await connection.runAndReadAll(
        sum(`(select *, bar_start_at + to_seconds(bar_seconds) as bar_end_at from read_parquet(${files}))`),
      )
    ).getRowsJS()[0]![0];
    const manifestRows = manifest.files.reduce((a, f) => a + f.rows, 0);
    if (ours !== ref || Number(String(ref).split(' ')[0]) !== manifestRows)
      throw new Error(
        `ours and the reference stored different bars: ours ${ours}, reference ${ref} (manifest ${manifestRows} rows)`,
      );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
