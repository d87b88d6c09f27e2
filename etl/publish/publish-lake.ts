/**
 * Publishes the writer's tables to the Parquet lake: only partitions marked dirty by a merge are rewritten, each
 * as ONE zstd file sorted by (symbol, time), written under `lake/.staging/` and renamed over the live file.
 * why: COPY ... OVERWRITE deletes the folder and writing in place tears readers (perf-notes §6); a rename is
 * atomic, so a reader sees the old file or the new one. Layout:
 *   bars/interval=<i>/month=<YYYY-MM>/data_0.parquet   (New York session month, all symbols in one file;
 *     bar_seconds = bar_end_at − bar_start_at, which the staging view turns back into bar_end_at)
 *   eod_bars/year=<YYYY>/data_0.parquet, splits/data_0.parquet, dividends/data_0.parquet, sessions/data_0.parquet
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, sessionsBetween } from '../core/calendar.ts';
import type { Logger } from '../core/log.ts';
import type { Dataset, WarehouseStore } from '../load/warehouse-store.ts';

export const DATA_FILE = 'data_0.parquet';

export interface PublishResult {
  /** Lake files written (relative to the lake), in order. Empty on a rerun over complete data. */
  files: string[];
  rows: number;
}

// why: 256k-row groups amortise each group's dictionaries better (-0.3 bytes a bar measured); larger groups made
// DuckDB fall back from dictionary encoding and grew the file.
// why dictionary_size_limit 4096 (distinct values in a row group): symbol and session_date keep their
// dictionaries (and the Bloom filters DuckDB writes with them), the prices and times, with tens of thousands of
// distinct values a group, are written plain. On the ETL bench's month (3.78M bars) the publish took 2.40 s
// instead of 2.98 and the file 10.31 bytes a bar instead of 11.67; a one-symbol query 4.0 ms instead of 3.1, the
// daily aggregate 165 ms instead of 145.
const PARQUET_OPTIONS = 'format parquet, compression zstd, row_group_size 262144, dictionary_size_limit 4096';

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Parquet key-value metadata key of the sessions file: the fingerprint of the calendar it was written from. */
const SESSIONS_KEY = 'mqs_calendar_sha256';

function partitionQuery(dataset: Dataset, partition: string): string {
  if (dataset === 'bars') {
    const m = /^interval=([0-9a-z]+)\/month=(\d{4})-(\d{2})$/.exec(partition);
    if (!m) throw new Error(`bad bars partition ${JSON.stringify(partition)}`);
    const start = `${m[2]}-${m[3]}-01`;
    // why: the bar's length in seconds instead of a second timestamp column costs ~0 bytes a bar against ~0.6
    // (measured on a 120-symbol month); the staging view adds it back as bar_end_at.
    // why: date_diff on TIMESTAMPTZ goes through the ICU calendar and took 1.35 of the 1.7 s a 2.1M-bar month
    // publish cost; the epoch difference is exact for these whole-second instants.
    return `select symbol, bar_start_at,
      ((epoch_us(bar_end_at) - epoch_us(bar_start_at)) // 1000000)::smallint as bar_seconds,
      session_date, open, high, low, close, volume, load_id
      from bars where interval = ${sqlString(m[1]!)} and session_date >= date ${sqlString(start)}
      and session_date < date ${sqlString(start)} + interval 1 month
      order by symbol, bar_start_at`;
  }
  if (dataset === 'eod_bars') {
    const m = /^year=(\d{4})$/.exec(partition);
    if (!m) throw new Error(`bad eod_bars partition ${JSON.stringify(partition)}`);
    return `select symbol, date, open, high, low, close, volume, vwap, load_id from eod_bars
      where year(date) = ${Number(m[1])} order by symbol, date`;
  }
  if (partition !== 'all') throw new Error(`bad ${dataset} partition ${JSON.stringify(partition)}`);
  return `select * from ${dataset} order by symbol, date`;
}

/** COPYs a query to a Parquet file (its folder created); `extraOptions` are appended to PARQUET_OPTIONS. */
async function copyToFile(
  store: WarehouseStore,
  query: string,
  file: string,
  extraOptions = '',
): Promise<number> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const options = extraOptions ? `${PARQUET_OPTIONS}, ${extraOptions}` : PARQUET_OPTIONS;
  const result = await store.connection.run(`copy (${query}) to ${sqlString(file)} (${options})`);
  return result.rowsChanged;
}

function moveIntoPlace(staged: string, live: string): void {
  fs.mkdirSync(path.dirname(live), { recursive: true });
  // why: DuckDB's external file cache validates a cached file by its modification time in whole seconds; a
  // file replaced within the same second was read as a mix of old and new bytes ("TProtocolException: Invalid
  // data" in the concurrent-reader test). The new version gets a strictly later second than the old one.
  const previous = fs.statSync(live, { throwIfNoEntry: false });
  if (previous) {
    const stagedStat = fs.statSync(staged);
    const previousSecond = Math.floor(previous.mtimeMs / 1000);
    if (Math.floor(stagedStat.mtimeMs / 1000) <= previousSecond) {
      const later = new Date((previousSecond + 1) * 1000);
      fs.utimesSync(staged, later, later);
    }
  }
  fs.renameSync(staged, live);
}

/**
 * Writes the sessions of the whole calendar (the coverage and bars_daily views need them) when the file is missing
 * or was written from another calendar: the file carries a fingerprint of its sessions in its Parquet key-value
 * metadata. why: an extended or corrected calendar (a new year, an unscheduled closure) must reach the lake.
 */
async function publishSessions(
  store: WarehouseStore,
  lakeDir: string,
  stagingDir: string,
): Promise<string | undefined> {
  const relative = path.join('sessions', DATA_FILE);
  const live = path.join(lakeDir, relative);
  const sessions = sessionsBetween(`${CALENDAR_FIRST_YEAR}-01-01`, `${CALENDAR_LAST_YEAR}-12-31`);
  const fingerprint = createHash('sha256')
    .update(sessions.map((x) => `${x.date} ${x.openAt} ${x.closeAt} ${x.earlyClose}`).join('\n'))
    .digest('hex');
  const con = store.connection;
  if (fs.existsSync(live)) {
    const stored = (
      await con.runAndReadAll(
        `select decode(value) from parquet_kv_metadata(${sqlString(live)}) where decode(key) = '${SESSIONS_KEY}'`,
      )
    ).getRowsJS();
    if (stored[0]?.[0] === fingerprint) return undefined;
  }
  await con.run(
    'create or replace temp table stg_sessions (session_date varchar, open_us bigint, close_us bigint, early_close boolean)',
  );
  const appender = await con.createAppender('stg_sessions', 'main', 'temp');
  try {
    for (const s of sessions) {
      appender.appendVarchar(s.date);
      appender.appendBigInt(BigInt(s.openAt) * 1000n);
      appender.appendBigInt(BigInt(s.closeAt) * 1000n);
      appender.appendBoolean(s.earlyClose);
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
  const staged = path.join(stagingDir, relative);
  await copyToFile(
    store,
    `select session_date::date as session_date, make_timestamp(open_us)::timestamptz as open_at,
       make_timestamp(close_us)::timestamptz as close_at, early_close from stg_sessions order by session_date`,
    staged,
    `kv_metadata {${SESSIONS_KEY}: '${fingerprint}'}`,
  );
  moveIntoPlace(staged, live);
  return relative;
}

/**
 * Rewrites every dirty partition and clears its mark once the file is in place. Killed half-way, the marks of
 * unpublished partitions survive and the next publish finishes the job.
 */
export async function publishLake(
  store: WarehouseStore,
  lakeDir: string,
  log: Logger,
): Promise<PublishResult> {
  const stagingDir = path.join(lakeDir, '.staging');
  // why: a publish killed half-way leaves staged files behind; they were never live, so they can go.
  fs.rmSync(stagingDir, { recursive: true, force: true });
  fs.mkdirSync(stagingDir, { recursive: true });
  const files: string[] = [];
  let rows = 0;
  try {
    const sessions = await publishSessions(store, lakeDir, stagingDir);
    if (sessions) files.push(sessions);
    for (const { dataset, partition } of await store.dirtyPartitions()) {
      const relative = path.join(dataset, partition === 'all' ? '' : partition, DATA_FILE);
      const staged = path.join(stagingDir, relative);
      const written = await copyToFile(store, partitionQuery(dataset, partition), staged);
      moveIntoPlace(staged, path.join(lakeDir, relative));
      await store.clearDirty(dataset, partition);
      files.push(relative);
      rows += written;
      log.debug({ file: relative, rows: written }, 'partition published');
    }
  } finally {
    fs.rmSync(stagingDir, { recursive: true, force: true });
  }
  if (files.length > 0) log.info({ files: files.length, rows }, 'lake published');
  return { files, rows };
}
