/**
 * The writer publishing snapshots: files replaced, appended, compacted and deleted, readers and the CLI catalog
 * bound to their snapshot, the etl lock. The run ledger and the other datasets: warehouse-ledger.int.test.ts.
 */

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { LockedError } from '../core/errors.ts';
import { fixtureIntradayColumns } from '../transform/testing/intraday-fixture.ts';
import { type IntradayWindow, transformIntraday } from '../transform/transform-intraday.ts';
import { MAX_FILES_PER_PARTITION } from './etl-stage.ts';
import { readManifest, readSnapshot, snapshotVersions } from './lake-manifest.ts';
import { LakeTransaction } from './lake-transaction.ts';
import { commitOf, sum, useWriterFixture, week } from './testing/writer-fixture.ts';
import { openWarehouseReader } from './warehouse-reader.ts';
import type { WarehouseWriter } from './warehouse-writer.ts';

const fx = useWriterFixture();
const { open, query, barFiles, lakeFiles } = fx;
let writer: WarehouseWriter | undefined;
afterEach(() => {
  writer?.close();
  writer = undefined;
});

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
    const catalogBefore = fs.statSync(path.join(fx.dir, 'catalog.duckdb')).mtimeMs;
    expect(await writer.publish()).toEqual({ version: 1, files: [], rows: 0 });
    expect(lakeFiles()).toEqual(before);
    expect(fs.statSync(path.join(fx.dir, 'catalog.duckdb')).mtimeMs).toBe(catalogBefore);
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
    const root = path.join(fx.dir, 'lake');
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
      snapshotVersions(path.join(fx.dir, 'lake')).flatMap((v) =>
        (readSnapshot(path.join(fx.dir, 'lake'), v).datasets.bars ?? []).map((f) => f.path),
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
    const reader = await openWarehouseReader(fx.dir);
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
    const root = path.join(fx.dir, 'lake');
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

  it('refuses a second writer while one holds the etl lock', async () => {
    writer = await open();
    await expect(open()).rejects.toBeInstanceOf(LockedError);
  });

  it('writes a catalog per snapshot that a second process opens read-only, bound to that snapshot', async () => {
    writer = await open();
    const loadId = await writer.beginLoad('test');
    await writer.commitIntraday([commitOf(week, loadId)], loadId);
    await writer.publish();
    const catalog = path.join(fx.dir, 'catalog.duckdb');
    // why: a CLI session that opened the catalog before the next publish keeps its snapshot's file lists.
    const held = fs.openSync(catalog, 'r');
    const heldCopy = path.join(fx.dir, 'catalog-held.duckdb');
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
