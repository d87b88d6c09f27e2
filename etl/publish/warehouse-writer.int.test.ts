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
import { openWarehouseReader } from './warehouse-reader.ts';
import { openWarehouseWriter, type WarehouseWriter } from './warehouse-writer.ts';

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

const open = () =>
  openWarehouseWriter({ warehouseDir: dir, log: silentLogger(), clock: systemClock, lockWaitMs: 0 });

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

/** The ETL's merge cap (96 MB: ≤ 240k staged rows a group), so the test's 390k bars take two groups. */
const MERGE_CAP_MB = 96;

const week: IntradayWindow = { symbol: 'AAPL', interval: '5min', from: '2024-03-04', to: '2024-03-08' };

describe('warehouse writer', () => {
  it('gives every view on an empty lake', async () => {
    const rows = await query(
      'select (select count(*) from bars) b, (select count(*) from bars_daily) d, (select count(*) from coverage) c',
    );
    expect(rows).toEqual([{ b: '0', d: '0', c: '0' }]);
  });

  it('loads a window, publishes it, and a rerun adds no rows and writes no files', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    expect(await writer.commitIntraday([commitOf(week, loadId)], loadId)).toEqual({
      inserted: 390,
      replaced: 0,
    });
    const first = await writer.publish();
    expect(first.files).toContain(path.join('bars', 'interval=5min', 'month=2024-03', 'data_0.parquet'));
    await writer.finishLoad(loadId, { status: 'ok' });
    const before = lakeFiles();
    const catalogBefore = fs.statSync(path.join(dir, 'catalog.duckdb')).mtimeMs;

    const rerun = await writer.beginLoad('test');
    expect(await writer.commitIntraday([commitOf(week, rerun)], rerun)).toEqual({ inserted: 0, replaced: 0 });
    expect(await writer.publish()).toEqual({ files: [], rows: 0 });
    expect(lakeFiles()).toEqual(before);
    expect(fs.statSync(path.join(dir, 'catalog.duckdb')).mtimeMs).toBe(catalogBefore);
    const [state] = await writer.windowStates({ dataset: 'bars' });
    expect(state).toMatchObject({ status: 'loaded', attempts: 2, rowCount: 390, loadId: rerun });
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
  });

  it('rewrites the sessions file when it was written from another calendar, and only then', async () => {
    writer = await open();
    expect((await writer.publish()).files).toEqual([path.join('sessions', 'data_0.parquet')]);
    expect((await writer.publish()).files).toEqual([]);
    writer.close();
    writer = undefined;
    const sessionsFile = path.join(dir, 'lake', 'sessions', 'data_0.parquet');
    const full = await query('select count(*) n from sessions');
    // why: a file from an older calendar: fewer sessions and no fingerprint of the current one.
    const instance = await DuckDBInstance.create(':memory:');
    const con = await instance.connect();
    await con.run(
      `copy (select * from read_parquet('${sessionsFile}') where session_date < date '2020-01-01')
       to '${sessionsFile}.old' (format parquet)`,
    );
    con.closeSync();
    instance.closeSync();
    fs.renameSync(`${sessionsFile}.old`, sessionsFile);
    expect(Number((await query('select count(*) n from sessions'))[0]!.n)).toBeLessThan(Number(full[0]!.n));
    writer = await open();
    expect((await writer.publish()).files).toEqual([path.join('sessions', 'data_0.parquet')]);
    expect(await query('select count(*) n from sessions')).toEqual(full);
  });

  it('replaces stored bars whose values changed and keeps the count', async () => {
    writer = await open();
    const live = await writer.beginLoad('realtime');
    await writer.commitIntraday([commitOf(week, live, 0)], live);
    await writer.publish();
    const backfill = await writer.beginLoad('backfill');
    const corrected = await writer.commitIntraday([commitOf(week, backfill, 1)], backfill);
    expect(corrected.inserted).toBe(0);
    expect(corrected.replaced).toBeGreaterThan(300);
    await writer.publish();
    writer.close();
    writer = undefined;
    const expected = fixtureIntradayColumns('AAPL', '5min', week.from, week.to, 1);
    const rows = await query('select count(*) n, sum(close) s from bars');
    expect(Number(rows[0]!.n)).toBe(390);
    expect(Number(rows[0]!.s)).toBeCloseTo(
      expected.close.reduce((a, b) => a + b, 0),
      6,
    );
  });

  it('replaces bars stored by a window with other dates, and a later week of the symbol adds only its bars', async () => {
    writer = await open();
    const first = await writer.beginLoad('backfill');
    await writer.commitIntraday([commitOf(week, first, 0)], first);
    const next = await writer.beginLoad('retry');
    // why: a one-day window inside the stored week (a split truncated answer, a live session) must find the
    // week's bars although no window with its own dates was ever committed.
    const wednesday: IntradayWindow = { ...week, from: '2024-03-06', to: '2024-03-06' };
    const nextWeek: IntradayWindow = { ...week, from: '2024-03-11', to: '2024-03-15' };
    const day = await writer.commitIntraday([commitOf(wednesday, next, 1)], next);
    expect(day.inserted).toBe(0);
    expect(day.replaced).toBeGreaterThan(60);
    const later = await writer.commitIntraday([commitOf(nextWeek, next, 0)], next);
    expect(later).toEqual({ inserted: 390, replaced: 0 });
    await writer.publish();
    writer.close();
    writer = undefined;
    const rows = await query(
      `select count(*) n, count(distinct bar_start_at) k,
              sum(close) filter (session_date = date '2024-03-06') c
       from bars where symbol = 'AAPL' and interval = '5min'`,
    );
    expect(rows[0]).toMatchObject({ n: '780', k: '780' });
    const expected = fixtureIntradayColumns('AAPL', '5min', wednesday.from, wednesday.to, 1);
    expect(Number(rows[0]!.c)).toBeCloseTo(
      expected.close.reduce((a, b) => a + b, 0),
      6,
    );
  });

  it('re-commits a week of 200 symbols in groups under the ETL caps, replacing exactly the bars that changed', async () => {
    writer = await openWarehouseWriter({
      warehouseDir: dir,
      log: silentLogger(),
      clock: systemClock,
      lockWaitMs: 0,
      memoryLimitMb: 48,
      mergeMemoryLimitMb: MERGE_CAP_MB,
    });
    const symbols = Array.from({ length: 200 }, (_, i) => `S${String(i).padStart(3, '0')}`);
    const windows = symbols.map((symbol) => ({ ...week, symbol, interval: '1min' as const }));
    const first = await writer.beginLoad('backfill');
    let stored = 0;
    for (let i = 0; i < windows.length; i += 100)
      stored += (
        await writer.commitIntraday(
          windows.slice(i, i + 100).map((w) => commitOf(w, first, 0)),
          first,
        )
      ).inserted;
    expect(stored).toBe(200 * 1950);
    const again = await writer.beginLoad('again');
    // why: variant 1 changes bars of every window; one commit of all 200 windows (390k bars) is merged a group of
    // symbols at a time within the cap, and every group must count and replace its own bars exactly once.
    const result = await writer.commitIntraday(
      windows.map((w) => commitOf(w, again, 1)),
      again,
    );
    const changed = windows.reduce((sum, w) => {
      const a = fixtureIntradayColumns(w.symbol, w.interval, w.from, w.to, 0);
      const b = fixtureIntradayColumns(w.symbol, w.interval, w.from, w.to, 1);
      const differs = (i: number) =>
        a.open[i] !== b.open[i] ||
        a.high[i] !== b.high[i] ||
        a.low[i] !== b.low[i] ||
        a.close[i] !== b.close[i] ||
        a.volume[i] !== b.volume[i];
      return sum + Array.from({ length: a.length }, (_, i) => i).filter(differs).length;
    }, 0);
    expect(result.inserted).toBe(0);
    expect(changed).toBeGreaterThan(0);
    expect(result.replaced).toBe(changed);
    await writer.publish();
    writer.close();
    writer = undefined;
    const rows = await query('select count(*) n, count(distinct (symbol, bar_start_at)) k from bars');
    expect(rows[0]).toMatchObject({ n: String(200 * 1950), k: String(200 * 1950) });
  }, 120_000);

  it('keeps the window state and the bars in one transaction', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    const bad = commitOf(week, loadId);
    // why: an impossible to-date makes the state row fail after the bars were merged in the same transaction.
    await expect(
      writer.commitIntraday([{ ...bad, window: { ...week, to: '2024-02-30' } }], loadId),
    ).rejects.toThrow();
    expect(await writer.windowStates()).toEqual([]);
    expect(await writer.dirtyPartitions()).toEqual([]);
    expect(await writer.commitIntraday([commitOf(week, loadId)], loadId)).toEqual({
      inserted: 390,
      replaced: 0,
    });
  });

  it('stores an incomplete window failed, with its bars, so the next run fetches it whole', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('realtime');
    const result = await writer.commitIntraday(
      [{ ...commitOf(week, loadId), incompleteReason: 'live session' }],
      loadId,
    );
    expect(result.inserted).toBe(390);
    expect(await writer.failedWindows()).toMatchObject([
      { symbol: 'AAPL', status: 'failed', rowCount: 390, error: 'live session' },
    ]);
    expect(await writer.watermarks()).toEqual([]);
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
    expect(await writer.watermarks()).toEqual([
      { dataset: 'bars', symbol: 'AAPL', interval: '5min', throughDate: '2024-03-08' },
      { dataset: 'bars', symbol: 'MSFT', interval: '1min', throughDate: '2024-01-15' },
    ]);
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
  });

  it('stores a bar once when windows committed together overlap', async () => {
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
    expect(Number(rows[0]!.c)).toBeCloseTo(
      later.close.reduce((a, b) => a + b, 0),
      6,
    );
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
    expect(results[0]).toEqual({ inserted: 390, replaced: 0 });
    expect(results[2]).toEqual({ inserted: 390, replaced: 0 });
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
    expect(await writer.commitEod(year, eod, loadId)).toEqual({ inserted: 1, replaced: 0 });
    expect(await writer.commitEod(year, eod, loadId)).toEqual({ inserted: 0, replaced: 0 });
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
    expect(await query('select count(*) n from eod_bars')).toEqual([{ n: '1' }]);
  });

  it('refuses a second writer while one holds the etl lock', async () => {
    writer = await open();
    await expect(open()).rejects.toBeInstanceOf(LockedError);
  });

  it('writes a catalog that a second process opens read-only', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    await writer.commitIntraday([commitOf(week, loadId)], loadId);
    await writer.publish();
    writer.close();
    writer = undefined;
    const script = `
      import { DuckDBInstance } from '@duckdb/node-api';
      const db = await DuckDBInstance.create(process.argv[1], { access_mode: 'READ_ONLY' });
      const con = await db.connect();
      const r = await con.runAndReadAll('select count(*) n, sum(bar_count) b from bars_daily');
      process.stdout.write(JSON.stringify(r.getRowObjectsJson()));
      con.closeSync(); db.closeSync();`;
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', script, path.join(dir, 'catalog.duckdb')],
      { cwd: path.resolve(import.meta.dirname, '..', '..'), encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual([{ n: '5', b: '390' }]);
  });
});
