import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { LockedError } from '../core/errors.ts';
import { silentLogger } from '../core/log.ts';
import { fixtureIntradayColumns } from '../transform/testing/intraday-fixture.ts';
import { type IntradayWindow, transformIntraday } from '../transform/transform-intraday.ts';
import { MAX_FILES_PER_PARTITION } from './etl-stage.ts';
import { readManifest, readSnapshot, snapshotVersions } from './lake-manifest.ts';
import { LakeTransaction } from './lake-transaction.ts';
import { openWarehouseReader } from './warehouse-reader.ts';
import {
  openWarehouseWriter,
  type WarehouseWriter,
  type WarehouseWriterOptions,
} from './warehouse-writer.ts';

let dir: string;
let writer: WarehouseWriter | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-writer-'));
});
afterEach(() => {
  writer?.close();
  writer = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const open = (options: Partial<WarehouseWriterOptions> = {}) =>
  openWarehouseWriter({
    warehouseDir: dir,
    log: silentLogger(),
    clock: systemClock,
    lockWaitMs: 0,
    ...options,
  });

const barFiles = () => readManifest(path.join(dir, 'lake')).datasets.bars ?? [];
const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

function commitOf(window: IntradayWindow, loadId: number, variant = 0) {
  return transformIntraday(
    window,
    fixtureIntradayColumns(window.symbol, window.interval, window.from, window.to, variant),
    { loadId },
  );
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await openWarehouseReader(dir);
  try {
    return (await reader.connection.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    reader.close();
  }
}

function lakeFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const lake = path.join(dir, 'lake');
  for (const f of fs.readdirSync(lake, { recursive: true }) as string[]) {
    const stat = fs.statSync(path.join(lake, f));
    if (stat.isFile()) files.set(f, `${stat.ino}/${stat.mtimeMs}/${stat.size}`);
  }
  return files;
}

const week: IntradayWindow = { symbol: 'AAPL', interval: '5min', from: '2024-03-04', to: '2024-03-08' };

describe('warehouse writer', () => {
  it('gives every view on an empty lake', async () => {
    const rows = await query(
      'select (select count(*) from bars) b, (select count(*) from bars_daily) d, (select count(*) from coverage) c',
    );
    expect(rows).toEqual([{ b: '0', d: '0', c: '0' }]);
  });

  it('publishes a window as a snapshot; a publish with nothing staged writes nothing', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    expect(await writer.commitIntraday([commitOf(week, loadId)], loadId)).toEqual({ staged: 390 });
    // why: staged rows are invisible until a snapshot lists them.
    expect(await query('select count(*) n from bars')).toEqual([{ n: '0' }]);
    const first = await writer.publish();
    expect(first.version).toBe(1);
    expect(first.files.some((f) => f.startsWith('bars/interval=5min/month=2024-03/part-v000001-'))).toBe(
      true,
    );
    expect(first.rows).toBeGreaterThanOrEqual(390);
    await writer.finishLoad(loadId, { status: 'ok' });
    const before = lakeFiles();
    const catalogBefore = fs.statSync(path.join(dir, 'catalog.duckdb')).mtimeMs;
    expect(await writer.publish()).toEqual({ version: 1, files: [], rows: 0 });
    expect(lakeFiles()).toEqual(before);
    expect(fs.statSync(path.join(dir, 'catalog.duckdb')).mtimeMs).toBe(catalogBefore);
    const [state] = await writer.windowStates({ dataset: 'bars' });
    expect(state).toMatchObject({ status: 'loaded', attempts: 1, rowCount: 390, loadId });
    writer.close();
    writer = undefined;

    const rows = await query(
      `select count(*) n, count(distinct (symbol, interval, bar_start_at)) k, count(distinct session_date) d
       from bars`,
    );
    expect(rows).toEqual([{ n: '390', k: '390', d: '5' }]);
    const daily = await query("select count(*) n, sum(bar_count) bars from bars_daily where symbol = 'AAPL'");
    expect(daily).toEqual([{ n: '5', bars: '390' }]);
    const coverage = await query('select sum(expected_bars) e, sum(actual_bars) a from coverage');
    expect(coverage).toEqual([{ e: '390', a: '390' }]);
    // why: the manifest's statistics are what overlap checks and readers prune by.
    expect(barFiles()).toMatchObject([
      {
        partition: 'interval=5min/month=2024-03',
        rows: 390,
        min: { symbol: 'AAPL', session_date: '2024-03-04' },
        max: { symbol: 'AAPL', session_date: '2024-03-08' },
      },
    ]);
  });

  it('rewrites the sessions file when its snapshot came from another calendar, and only then', async () => {
    writer = await open();
    const first = await writer.publish();
    expect(first.files).toHaveLength(1);
    expect(first.files[0]).toMatch(/^sessions\/part-v000001-[0-9a-f]{12}\.parquet$/);
    expect((await writer.publish()).files).toEqual([]);
    writer.close();
    writer = undefined;
    const full = await query('select count(*) n from sessions');
    // why: a snapshot whose sessions file was written from another calendar (its fingerprint differs).
    const instance = await DuckDBInstance.create(':memory:');
    const con = await instance.connect();
    const root = path.join(dir, 'lake');
    const tx = new LakeTransaction(root, con, readManifest(root));
    tx.setProperty('sessions_calendar_sha256', 'an older calendar');
    tx.commit(Date.now());
    con.closeSync();
    instance.closeSync();
    writer = await open();
    const again = await writer.publish();
    expect(again.files).toHaveLength(1);
    expect(again.files[0]).toMatch(/^sessions\//);
    expect(readManifest(root).datasets.sessions).toHaveLength(1);
    expect(await query('select count(*) n from sessions')).toEqual(full);
  });

  it('replaces published bars whose values changed and keeps the count', async () => {
    writer = await open();
    const live = await writer.beginLoad('realtime');
    await writer.commitIntraday([commitOf(week, live, 0)], live);
    await writer.publish();
    const backfill = await writer.beginLoad('backfill');
    await writer.commitIntraday([commitOf(week, backfill, 1)], backfill);
    await writer.publish();
    writer.close();
    writer = undefined;
    const expected = fixtureIntradayColumns('AAPL', '5min', week.from, week.to, 1);
    const rows = await query('select count(*) n, sum(close) s from bars');
    expect(Number(rows[0]!.n)).toBe(390);
    expect(Number(rows[0]!.s)).toBeCloseTo(sum(expected.close), 6);
    // why: the rewrite replaced the overlapping file; one file holds the week.
    expect(barFiles()).toHaveLength(1);
  });

  it('forgets bars that vanished when a window is committed again with fewer', async () => {
    writer = await open();
    const first = await writer.beginLoad('backfill');
    await writer.commitIntraday([commitOf(week, first, 0)], first);
    await writer.publish();
    const again = await writer.beginLoad('again');
    const columns = fixtureIntradayColumns('AAPL', '5min', week.from, week.to, 0);
    // why: FMP corrected the day: the answer now lacks Wednesday's bars (newest first: Fri, Thu, Wed, …).
    const keep = Array.from({ length: columns.length }, (_, i) => i).filter((i) => i < 156 || i >= 234);
    const pick = <T extends ArrayLike<number>>(a: T) => Float64Array.from(keep.map((i) => a[i]!));
    const fewer = {
      ...columns,
      length: keep.length,
      wallMs: pick(columns.wallMs),
      open: pick(columns.open),
      high: pick(columns.high),
      low: pick(columns.low),
      close: pick(columns.close),
      volume: pick(columns.volume),
    };
    await writer.commitIntraday([transformIntraday(week, fewer, { loadId: again })], again);
    await writer.publish();
    writer.close();
    writer = undefined;
    expect(
      await query(
        "select count(*) n, count(*) filter (session_date = date '2024-03-06') wed from bars where symbol = 'AAPL'",
      ),
    ).toEqual([{ n: '312', wed: '0' }]);
  });

  it('replaces the bars of a narrower window and appends a later week as a file of its own', async () => {
    writer = await open();
    const first = await writer.beginLoad('backfill');
    await writer.commitIntraday([commitOf(week, first, 0)], first);
    await writer.publish();
    const next = await writer.beginLoad('retry');
    // why: a one-day window inside the published week (a split truncated answer, a live session).
    const wednesday: IntradayWindow = { ...week, from: '2024-03-06', to: '2024-03-06' };
    const nextWeek: IntradayWindow = { ...week, from: '2024-03-11', to: '2024-03-15' };
    await writer.commitIntraday([commitOf(wednesday, next, 1)], next);
    await writer.publish();
    const weekFile = barFiles();
    expect(weekFile).toHaveLength(1);
    await writer.commitIntraday([commitOf(nextWeek, next, 0)], next);
    await writer.publish();
    // why: the next week's dates lie after every published file's, so the week's file is kept, not rewritten.
    expect(barFiles().map((f) => f.path)).toEqual([weekFile[0]!.path, expect.any(String)]);
    writer.close();
    writer = undefined;
    const rows = await query(
      `select count(*) n, count(distinct bar_start_at) k,
              sum(close) filter (session_date = date '2024-03-06') c
       from bars where symbol = 'AAPL' and interval = '5min'`,
    );
    expect(rows[0]).toMatchObject({ n: '780', k: '780' });
    const expected = fixtureIntradayColumns('AAPL', '5min', wednesday.from, wednesday.to, 1);
    expect(Number(rows[0]!.c)).toBeCloseTo(sum(expected.close), 6);
  });

  it('adds a file, not a rewrite, when a window falls inside the min/max of a file but matches none of its rows', async () => {
    writer = await open({ flushRows: 1 });
    const loadId = await writer.beginLoad('backfill');
    // why: a backfill's flush holds AAA and CCC for a week; the next flush brings BBB for the same dates, inside
    // the first file's symbol and date ranges but without a row there: nothing may be read back and re-sorted.
    await writer.commitIntraday(
      [commitOf(week, loadId), commitOf({ ...week, symbol: 'CCC' }, loadId)],
      loadId,
    );
    await writer.commitIntraday([commitOf({ ...week, symbol: 'BBB' }, loadId)], loadId);
    await writer.publish();
    const files = barFiles();
    expect(files.map((f) => [f.rows, f.min.symbol, f.max.symbol])).toEqual([
      [780, 'AAPL', 'CCC'],
      [390, 'BBB', 'BBB'],
    ]);
    writer.close();
    writer = undefined;
    expect(await query('select count(*) n, count(distinct (symbol, bar_start_at)) k from bars')).toEqual([
      { n: '1170', k: '1170' },
    ]);
  });

  it('compacts a partition past its file bound and deletes replaced files once no kept snapshot lists them', async () => {
    writer = await open({ retention: { keepSnapshots: 1, keepMs: 0 } });
    const loadId = await writer.beginLoad('nightly');
    const sessions = ['04', '05', '06', '07', '08', '11', '12', '13', '14', '15', '18'].map(
      (d) => `2024-03-${d}`,
    );
    const seen: string[] = [];
    for (const day of sessions) {
      await writer.commitIntraday([commitOf({ ...week, from: day, to: day }, loadId)], loadId);
      await writer.publish();
      expect(barFiles().length).toBeLessThanOrEqual(MAX_FILES_PER_PARTITION);
      seen.push(...barFiles().map((f) => f.path));
    }
    writer.close();
    writer = undefined;
    expect(new Set(seen).size).toBeGreaterThan(MAX_FILES_PER_PARTITION);
    const files = barFiles();
    expect(files.length).toBeLessThan(MAX_FILES_PER_PARTITION);
    // why: the compacted file is sorted by (symbol, bar_start_at) and holds every session once.
    expect(
      await query(
        'select count(*) n, count(distinct bar_start_at) k, count(distinct session_date) d from bars',
      ),
    ).toEqual([{ n: String(78 * 11), k: String(78 * 11), d: '11' }]);
    const kept = new Set(
      snapshotVersions(path.join(dir, 'lake')).flatMap((v) =>
        (readSnapshot(path.join(dir, 'lake'), v).datasets.bars ?? []).map((f) => f.path),
      ),
    );
    const onDisk = [...lakeFiles().keys()].filter((f) => f.startsWith('bars/'));
    expect(onDisk.sort()).toEqual([...kept].sort());
  });

  it('keeps readers bound to their snapshot while later snapshots replace its files', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    await writer.commitIntraday([commitOf(week, loadId, 0)], loadId);
    await writer.publish();
    const reader = await openWarehouseReader(dir);
    try {
      const before = (await reader.query('select sum(close) s from bars')).getRowsJS();
      await writer.commitIntraday([commitOf(week, loadId, 1)], loadId);
      await writer.publish();
      expect((await reader.query('select sum(close) s from bars')).getRowsJS()).toEqual(before);
      expect(reader.snapshot.manifests.etl.version).toBe(1);
      expect(
        (await reader.query("select version from lake_snapshot where root = 'etl'")).getRowsJS(),
      ).toEqual([[1]]);
    } finally {
      reader.close();
    }
    const after = await query('select sum(close) s from bars');
    const expected = fixtureIntradayColumns('AAPL', '5min', week.from, week.to, 1);
    expect(Number(after[0]!.s)).toBeCloseTo(sum(expected.close), 6);
  });

  it('replays a snapshot the ledger missed and deletes files no snapshot lists when it opens', async () => {
    const root = path.join(dir, 'lake');
    writer = await open();
    writer.close();
    writer = undefined;
    // why: a writer killed after renaming its manifest into place, before its ledger transaction: the
    // snapshot carries the window's state, which the next open applies.
    const instance = await DuckDBInstance.create(':memory:');
    const con = await instance.connect();
    await con.run("set TimeZone = 'UTC'");
    const tx = new LakeTransaction(root, con, readManifest(root));
    tx.commit(Date.now(), [
      { dataset: 'bars', ...week, status: 'loaded', rowCount: 390, error: null, loadId: 7, quarantined: [] },
    ]);
    // ...and a file of a publish that died before its manifest.
    const orphan = new LakeTransaction(root, con, readManifest(root));
    const written = await orphan.writeFile(
      { ...(await import('./lake-sources.ts')).lakeSource('splits') },
      '',
      "select 'X' as symbol, date '2024-01-02' as date, 2.0 as numerator, 1.0 as denominator, 1::bigint as load_id",
    );
    con.closeSync();
    instance.closeSync();
    expect(fs.existsSync(path.join(root, written!.path))).toBe(true);
    writer = await open();
    expect(await writer.windowStates()).toMatchObject([{ symbol: 'AAPL', status: 'loaded', loadId: 7 }]);
    expect(fs.existsSync(path.join(root, written!.path))).toBe(false);
  });

  it('stores an incomplete window failed, with its bars, so the next run fetches it whole', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('realtime');
    await writer.commitIntraday([{ ...commitOf(week, loadId), incompleteReason: 'live session' }], loadId);
    await writer.publish();
    expect(await writer.failedWindows()).toMatchObject([
      { symbol: 'AAPL', status: 'failed', rowCount: 390, error: 'live session' },
    ]);
    expect(await writer.watermarks()).toEqual([]);
    expect(await query('select count(*) n from bars')).toEqual([{ n: '390' }]);
  });

  it('records failures, empty windows, watermarks and quarantined rows', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    const holiday: IntradayWindow = {
      symbol: 'MSFT',
      interval: '1min',
      from: '2024-01-15',
      to: '2024-01-15',
    };
    await writer.commitIntraday([commitOf(holiday, loadId)], loadId);
    const failed = { dataset: 'bars' as const, ...week, symbol: 'TSLA' };
    await writer.recordFailure(failed, new Error('503 after 5 retries'), loadId);
    await writer.recordFailure(failed, new Error('503 again'), loadId);
    await writer.commitIntraday([commitOf(week, loadId)], loadId);
    expect(await writer.failedWindows()).toMatchObject([{ symbol: 'TSLA', attempts: 2, error: '503 again' }]);
    const marks = [
      { dataset: 'bars', symbol: 'AAPL', interval: '5min', throughDate: '2024-03-08' },
      { dataset: 'bars', symbol: 'MSFT', interval: '1min', throughDate: '2024-01-15' },
    ];
    expect(await writer.watermarks()).toEqual(marks);
    await writer.publish();
    expect(await writer.watermarks()).toEqual(marks);
    expect((await writer.windowStates({ symbol: 'MSFT' }))[0]).toMatchObject({
      status: 'empty',
      rowCount: 0,
    });
    await writer.finishLoad(loadId, { status: 'partial', failed: 1 });
  });

  it('stores quarantined bars with their window once, however often the window is committed', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    const day: IntradayWindow = { symbol: 'AAPL', interval: '5min', from: '2024-03-04', to: '2024-03-04' };
    const columns = fixtureIntradayColumns('AAPL', '5min', day.from, day.to);
    columns.high[0] = columns.low[0]! - 1; // the newest bar breaks OHLC sanity
    const t = transformIntraday(day, columns, { loadId });
    await writer.commitIntraday([t], loadId);
    await writer.commitIntraday([t], loadId);
    await writer.publish();
    expect(await writer.quarantined('AAPL')).toMatchObject([
      {
        dataset: 'bars',
        from: '2024-03-04',
        label: '2024-03-04 15:55:00',
        reason: 'high is below open, close or low',
      },
    ]);
    expect((await writer.windowStates())[0]).toMatchObject({
      rowCount: 77,
      quarantinedCount: 1,
      attempts: 2,
    });
    await writer.commitIntraday([t], loadId);
    await writer.publish();
    expect(await writer.quarantined('AAPL')).toHaveLength(1);
    expect((await writer.windowStates())[0]).toMatchObject({ attempts: 3 });
  });

  it('stores a bar once when windows committed together overlap; the later one wins', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    const monday: IntradayWindow = { ...week, to: week.from };
    await writer.commitIntraday([commitOf(week, loadId), commitOf(monday, loadId, 1)], loadId);
    await writer.publish();
    writer.close();
    writer = undefined;
    const rows = await query(
      `select count(*) n, count(distinct bar_start_at) k, sum(close) c from bars where session_date = date '2024-03-04'`,
    );
    const later = fixtureIntradayColumns('AAPL', '5min', monday.from, monday.to, 1);
    expect(rows[0]).toMatchObject({ n: '78', k: '78' });
    expect(Number(rows[0]!.c)).toBeCloseTo(sum(later.close), 6);
    expect(await query('select count(*) n from bars')).toEqual([{ n: '390' }]);
  });

  it('runs calls made concurrently one after another', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    const tsla = { dataset: 'bars' as const, ...week, symbol: 'TSLA' };
    const results = await Promise.all([
      writer.commitIntraday([commitOf(week, loadId)], loadId),
      writer.recordFailure(tsla, new Error('timeout'), loadId),
      writer.commitIntraday([commitOf({ ...week, symbol: 'MSFT' }, loadId)], loadId),
    ]);
    expect(results[0]).toEqual({ staged: 390 });
    expect(results[2]).toEqual({ staged: 390 });
    const states = await writer.windowStates();
    expect(states.map((s) => `${s.symbol} ${s.status} ${s.rowCount}`)).toEqual([
      'AAPL loaded 390',
      'MSFT loaded 390',
      'TSLA failed 0',
    ]);
  });

  it('stores splits, dividends and daily bars, and adjusts bars for splits in the views', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    await writer.commitIntraday([commitOf(week, loadId)], loadId);
    const year = { symbol: 'AAPL', from: '2024-01-01', to: '2024-12-31' };
    await writer.commitSplits(
      year,
      [{ symbol: 'AAPL', date: '2024-03-06', numerator: 4, denominator: 1 }],
      loadId,
    );
    await writer.commitDividends(
      year,
      [
        {
          symbol: 'AAPL',
          date: '2024-02-09',
          recordDate: '2024-02-12',
          paymentDate: null,
          declarationDate: null,
          dividend: 0.24,
          adjDividend: 0.06,
          frequency: 'Quarterly',
        },
      ],
      loadId,
    );
    const eod = [{ symbol: 'AAPL', date: '2024-03-04', open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 }];
    expect(await writer.commitEod(year, eod, loadId)).toEqual({ staged: 1 });
    expect(await writer.commitEod(year, eod, loadId)).toEqual({ staged: 1 });
    await writer.publish();
    await writer.commitEod(
      { symbol: 'MSFT', from: '2024-01-01', to: '2024-12-31' },
      [{ ...eod[0]!, symbol: 'MSFT' }],
      loadId,
    );
    await writer.publish();
    writer.close();
    writer = undefined;
    const rows = await query(
      `select session_date < date '2024-03-06' as before_split, bool_and(adj_close * 4 = close) x4,
              bool_and(adj_close = close) same, bool_and(adj_volume = volume * 4) vol
       from bars group by 1 order by 1`,
    );
    expect(rows).toEqual([
      { before_split: false, x4: false, same: true, vol: false },
      { before_split: true, x4: true, same: false, vol: true },
    ]);
    expect(await query('select symbol, dividend, frequency from dividends')).toEqual([
      { symbol: 'AAPL', dividend: 0.24, frequency: 'Quarterly' },
    ]);
    expect(await query('select symbol, count(*) n from eod_bars group by all order by all')).toEqual([
      { symbol: 'AAPL', n: '1' },
      { symbol: 'MSFT', n: '1' },
    ]);
  });

  it('refuses a second writer while one holds the etl lock', async () => {
    writer = await open();
    await expect(open()).rejects.toBeInstanceOf(LockedError);
  });

  it('writes a catalog per snapshot that a second process opens read-only, bound to that snapshot', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    await writer.commitIntraday([commitOf(week, loadId)], loadId);
    await writer.publish();
    const catalog = path.join(dir, 'catalog.duckdb');
    // why: a CLI session that opened the catalog before the next publish keeps its snapshot's file lists.
    const held = fs.openSync(catalog, 'r');
    const heldCopy = path.join(dir, 'catalog-held.duckdb');
    fs.copyFileSync(catalog, heldCopy);
    fs.closeSync(held);
    await writer.commitIntraday([commitOf({ ...week, symbol: 'MSFT' }, loadId)], loadId);
    await writer.publish();
    writer.close();
    writer = undefined;
    const script = `
      import { DuckDBInstance } from '@duckdb/node-api';
      const db = await DuckDBInstance.create(process.argv[1], { access_mode: 'READ_ONLY' });
      const con = await db.connect();
      const r = await con.runAndReadAll('select count(*) n, sum(bar_count) b, (select max(version) from lake_snapshot) v from bars_daily');
      process.stdout.write(JSON.stringify(r.getRowObjectsJson()));
      con.closeSync(); db.closeSync();`;
    const run = (file: string) =>
      JSON.parse(
        execFileSync(process.execPath, ['--input-type=module', '-e', script, file], {
          cwd: path.resolve(import.meta.dirname, '..', '..'),
          encoding: 'utf8',
        }),
      );
    expect(run(catalog)).toEqual([{ n: '10', b: '780', v: 2 }]);
    expect(run(heldCopy)).toEqual([{ n: '5', b: '390', v: 1 }]);
  });
});
