/**
 * Upgrades a v1 warehouse (bars, EOD, splits and dividends as tables in etl.duckdb beside a lake of
 * `data_0.parquet` files rewritten in place) to lake v2 on the first writer open, without refetching:
 * 1. every v1 lake file whose partition is up to date (not marked dirty) is adopted as an immutable file of the
 *    first snapshot; partitions marked dirty (or missing) are written from the tables; the sessions file too;
 * 2. the snapshot is published (manifest version 1); the books' v1 files get their own manifest the same way;
 * 3. migration 004 drops the data tables; the ledger is then copied into a fresh, compact file.
 * Killed at any step, the next open finishes the job: step 1–2 are skipped once a manifest exists, and the
 * migration runs in one transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { sqlIdentifier, sqlString } from '../core/sql-literals.ts';
import { acquireWriterLock } from '../core/writer-lock.ts';
import { holdsV1Tables } from '../load/etl-ledger.ts';
import { emptyManifest, type LakeFile, readManifest } from './lake-manifest.ts';
import { LAKE_SOURCES, type LakeSource, lakeRootOf, lakeSource } from './lake-sources.ts';
import { LakeTransaction } from './lake-transaction.ts';
import { refreshSessionsFile } from './sessions-file.ts';

const V1_FILE = 'data_0.parquet';

/** Stats of an existing file, in the manifest's form. */
async function adoptFile(
  connection: DuckDBConnection,
  root: string,
  source: LakeSource,
  partition: string,
  relative: string,
): Promise<LakeFile> {
  const file = path.join(root, ...relative.split('/'));
  const stats = source.statsColumns.flatMap((c) => [`min(${c})::varchar`, `max(${c})::varchar`]);
  const row = (
    await connection.runAndReadAll(
      `select count(*)${stats.map((s) => `, ${s}`).join('')} from read_parquet($file, hive_partitioning = false)`,
      { file },
    )
  ).getRowsJS()[0]!;
  const min: Record<string, string> = {};
  const max: Record<string, string> = {};
  source.statsColumns.forEach((c, i) => {
    if (row[1 + 2 * i] !== null) min[c] = String(row[1 + 2 * i]);
    if (row[2 + 2 * i] !== null) max[c] = String(row[2 + 2 * i]);
  });
  return { path: relative, partition, rows: Number(row[0]), bytes: fs.statSync(file).size, min, max };
}

/** v1 partitions of the ETL datasets, with the query that writes one from the tables. */
async function v1Partitions(
  connection: DuckDBConnection,
): Promise<{ dataset: string; partition: string; query: string }[]> {
  const out: { dataset: string; partition: string; query: string }[] = [];
  const bars = (
    await connection.runAndReadAll(
      "select distinct interval::varchar, strftime(session_date, '%Y-%m') from bars order by all",
    )
  ).getRowsJS() as string[][];
  for (const [interval, month] of bars) {
    out.push({
      dataset: 'bars',
      partition: `interval=${interval}/month=${month}`,
      query: `select symbol, bar_start_at,
          ((epoch_us(bar_end_at) - epoch_us(bar_start_at)) // 1000000)::smallint as bar_seconds,
          session_date, open, high, low, close, volume, load_id
        from bars where interval = ${sqlString(interval!)} and strftime(session_date, '%Y-%m') = ${sqlString(month!)}`,
    });
  }
  const years = (
    await connection.runAndReadAll('select distinct year(date) from eod_bars order by all')
  ).getRowsJS();
  for (const [year] of years)
    out.push({
      dataset: 'eod_bars',
      partition: `year=${Number(year)}`,
      query: `select * from eod_bars where year(date) = ${Number(year)}`,
    });
  for (const dataset of ['splits', 'dividends']) {
    const n = (await connection.runAndReadAll(`select count(*) from ${dataset}`)).getRowsJS()[0]![0];
    if (Number(n) > 0) out.push({ dataset, partition: '', query: `select * from ${dataset}` });
  }
  return out;
}

/**
 * Publishes a v1 ledger's data as the lake's first snapshot (before migration 004 drops the tables). Returns
 * whether the ledger was a v1 one (then the caller compacts the file after the migrations).
 */
export async function publishV1Tables(
  connection: DuckDBConnection,
  lakeDir: string,
  deps: { log: Logger; clock: Clock },
): Promise<boolean> {
  if (!(await holdsV1Tables(connection))) return false;
  const root = lakeRootOf(lakeDir, 'etl');
  if (readManifest(root).version > 0) return true;
  deps.log.warn(
    { lakeDir },
    'upgrading the warehouse to lake v2 (bars move out of etl.duckdb; nothing is refetched)',
  );
  const dirty = new Set(
    (await connection.runAndReadAll('select dataset, partition from dirty_partitions'))
      .getRowsJS()
      .map(([d, p]) => `${d}|${p === 'all' ? '' : p}`),
  );
  const tx = new LakeTransaction(root, connection, emptyManifest());
  let adopted = 0;
  let rewritten = 0;
  for (const { dataset, partition, query } of await v1Partitions(connection)) {
    const source = lakeSource(dataset);
    const relative = [dataset, ...(partition ? [partition] : []), V1_FILE].join('/');
    if (!dirty.has(`${dataset}|${partition}`) && fs.existsSync(path.join(root, ...relative.split('/')))) {
      tx.adopt(source.dir, await adoptFile(connection, root, source, partition, relative));
      adopted++;
    } else {
      await tx.writeFile(source, partition, query, { sort: true });
      rewritten++;
    }
  }
  await refreshSessionsFile(connection, tx);
  tx.setProperty('upgraded_from', 'v1');
  fs.rmSync(path.join(lakeDir, '.staging'), { recursive: true, force: true });
  await adoptV1Books(connection, lakeDir, deps.clock);
  tx.commit(deps.clock.now());
  deps.log.warn({ adopted, rewritten }, 'upgraded the lake to v2: first snapshot published');
  return true;
}

/** The books' v1 files (`lake/books/<table>/data_0.parquet`) become the books' first snapshot. */
async function adoptV1Books(connection: DuckDBConnection, lakeDir: string, clock: Clock): Promise<void> {
  const root = lakeRootOf(lakeDir, 'books');
  if (readManifest(root).version > 0) return;
  const sources = LAKE_SOURCES.filter(
    (s) => s.root === 'books' && fs.existsSync(path.join(root, s.dir, V1_FILE)),
  );
  if (sources.length === 0) return;
  const lock = await acquireWriterLock(path.dirname(lakeDir), 'books', {
    command: 'mqs etl (lake v2 upgrade)',
    waitMs: 60_000,
    clock,
  });
  try {
    const tx = new LakeTransaction(root, connection, emptyManifest());
    for (const source of sources)
      tx.adopt(source.dir, await adoptFile(connection, root, source, '', `${source.dir}/${V1_FILE}`));
    fs.rmSync(path.join(lakeDir, '.staging-books'), { recursive: true, force: true });
    tx.commit(clock.now());
  } finally {
    lock.release();
  }
}

/**
 * Copies a DuckDB file into a fresh one and renames it into place. why: dropping tables frees blocks inside the
 * file but never shrinks it; a v1 ledger of 13.9M bars kept its 481 MB after migration 004.
 */
export async function compactDuckDbFile(dbFile: string): Promise<{ before: number; after: number }> {
  const before = fs.statSync(dbFile).size;
  const temp = `${dbFile}.compact-${process.pid}`;
  fs.rmSync(temp, { force: true });
  const instance = await DuckDBInstance.fromCache(dbFile);
  const connection = await instance.connect();
  try {
    const name = String((await connection.runAndReadAll('select current_database()')).getRowsJS()[0]![0]);
    // why literals: ATTACH and COPY FROM DATABASE take no parameters.
    await connection.run(`attach ${sqlString(temp)} as mqs_compacted`);
    await connection.run(`copy from database ${sqlIdentifier(name)} to mqs_compacted`);
    await connection.run('detach mqs_compacted');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  fs.renameSync(temp, dbFile);
  fs.rmSync(`${dbFile}.wal`, { force: true });
  return { before, after: fs.statSync(dbFile).size };
}
