import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionsBetween } from '../core/calendar.ts';
import { barEndAt, barStartsOfSession, type IntradayInterval } from '../core/intervals.ts';
import { copyBarsToLake } from '../publish/testing/copy-bars-to-lake.ts';
import { openWarehouseReader } from '../publish/warehouse-reader.ts';
import { type QualityReport, readQualityChecks, runQualityChecks } from './run-quality-checks.ts';

// A loaded warehouse in miniature: bars from our own calendar and bar grid over 2024-11-22 … 2024-12-06
// (Thanksgiving closed, 11-29 closes at 13:00), published as the lake the warehouse reader reads (etl/README.md:
// a snapshot of bars, splits and sessions). CCC splits 2-for-1 on 2024-12-02, so its raw
// prices halve that day: a jump with a split on record. Each test edits the builder's tables to inject one
// defect, republishes the lake, and runs the checks through a fresh warehouse reader.
const FIRST = '2024-11-22';
const LAST = '2024-12-06';
const SERIES: Array<{ symbol: string; interval: IntradayInterval; base: number }> = [
  { symbol: 'AAA', interval: '5min', base: 50 },
  { symbol: 'BBB', interval: '5min', base: 100 },
  { symbol: 'CCC', interval: '5min', base: 240 },
  { symbol: 'AAA', interval: '1hour', base: 50 },
  { symbol: 'AAA', interval: '4hour', base: 50 },
];

let instance: DuckDBInstance;
let db: DuckDBConnection;
let warehouseDir: string;
const run = (sql: string) => db.run(sql);

async function loadFixture(): Promise<void> {
  const sessions = sessionsBetween(FIRST, LAST);
  await run(
    'CREATE TABLE clean_sessions (session_date DATE, open_at TIMESTAMPTZ, close_at TIMESTAMPTZ, early_close BOOLEAN)',
  );
  await run(
    `INSERT INTO clean_sessions VALUES ${sessions
      .map(
        (s) =>
          `('${s.date}', to_timestamp(${s.openAt / 1000}), to_timestamp(${s.closeAt / 1000}), ${s.earlyClose})`,
      )
      .join(', ')}`,
  );
  const rows: string[] = [];
  for (const { symbol, interval, base } of SERIES) {
    let i = 0;
    for (const session of sessions) {
      const split = symbol === 'CCC' && session.date >= '2024-12-02' ? 0.5 : 1;
      for (const startMs of barStartsOfSession(session, interval)) {
        const open = base * split * (1 + 0.01 * Math.sin(i / 7));
        const close = open * (1 + 0.002 * Math.cos(i));
        const high = Math.max(open, close) + 0.05;
        const low = Math.min(open, close) - 0.05;
        rows.push(
          `('${symbol}', '${interval}', to_timestamp(${startMs / 1000}), to_timestamp(${barEndAt(startMs, interval, session) / 1000}), '${session.date}', ${open}, ${high}, ${low}, ${close}, ${100 + (i % 50)})`,
        );
        i++;
      }
    }
  }
  await run(`CREATE TABLE clean_bars (symbol VARCHAR, interval VARCHAR, bar_start_at TIMESTAMPTZ, bar_end_at TIMESTAMPTZ,
    session_date DATE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume BIGINT)`);
  await run(`INSERT INTO clean_bars VALUES ${rows.join(',\n')}`);
  await run(
    `CREATE TABLE clean_splits AS SELECT 'CCC' AS symbol, DATE '2024-12-02' AS "date", 2 AS numerator, 1 AS denominator`,
  );
}

/** Writes the builder's `bars`, `splits` and `sessions` as the lake, one file per partition. */
async function publishLake(): Promise<void> {
  const lake = path.join(warehouseDir, 'lake');
  fs.rmSync(lake, { recursive: true, force: true });
  await copyBarsToLake(db, 'bars', warehouseDir, {
    splits:
      'SELECT symbol, "date", numerator::DOUBLE AS numerator, denominator::DOUBLE AS denominator, 1::BIGINT AS load_id FROM splits',
    sessions: 'SELECT * FROM sessions',
  });
}

/** Publishes the builder's tables and runs the checks through the warehouse reader. */
async function checkWarehouse(options: Parameters<typeof runQualityChecks>[1] = {}): Promise<QualityReport> {
  await publishLake();
  const reader = await openWarehouseReader(warehouseDir);
  try {
    return await runQualityChecks(reader.connection, options);
  } finally {
    reader.close();
  }
}

const ny = (date: string, hhmm: string) => `timezone('America/New_York', TIMESTAMP '${date} ${hhmm}:00')`;
const failing = (report: QualityReport) => report.checks.filter((c) => !c.passed).map((c) => c.name);
const check = (report: QualityReport, name: string) => report.checks.find((c) => c.name === name)!;

beforeAll(async () => {
  warehouseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-quality-'));
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await loadFixture();
});
afterAll(() => {
  db.closeSync();
  instance.closeSync();
  fs.rmSync(warehouseDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await run('CREATE OR REPLACE TABLE bars AS SELECT * FROM clean_bars');
  await run('CREATE OR REPLACE TABLE sessions AS SELECT * FROM clean_sessions');
  await run('CREATE OR REPLACE TABLE splits AS SELECT * FROM clean_splits');
});

describe('data-quality checks', () => {
  it('open with a comment saying what they check', () => {
    const checks = readQualityChecks();
    expect(checks.map((c) => c.name)).toEqual([
      'assert_bars_ohlc_consistent',
      'assert_bars_prices_positive',
      'assert_bars_unique',
      'assert_price_jumps_explained',
      'assert_sessions_complete',
      'assert_symbols_fresh',
    ]);
    for (const c of checks) expect(c.description.length).toBeGreaterThan(40);
  });

  it('pass on a clean warehouse, the split-explained jump and the early close included', async () => {
    const report = await checkWarehouse();
    expect(report.checks.map((c) => [c.name, c.errorRows, c.warnRows])).toEqual(
      report.checks.map((c) => [c.name, 0, 0]),
    );
    expect(report.passed).toBe(true);
  });

  it('list a gap inside a session as a warning and a missing session as an error', async () => {
    await run(`DELETE FROM bars WHERE symbol = 'AAA' AND interval = '5min'
      AND bar_start_at BETWEEN ${ny('2024-12-03', '10:00')} AND ${ny('2024-12-03', '10:25')}`);
    await run(
      `DELETE FROM bars WHERE symbol = 'AAA' AND interval = '5min' AND bar_start_at = ${ny('2024-11-29', '12:55')}`,
    );
    await run(`DELETE FROM bars WHERE symbol = 'BBB' AND session_date = '2024-12-02'`);
    await run(
      `DELETE FROM bars WHERE symbol = 'AAA' AND interval = '4hour' AND bar_start_at = ${ny('2024-11-29', '12:30')}`,
    );
    const report = await checkWarehouse();
    expect(failing(report)).toEqual(['assert_sessions_complete']);
    const gaps = check(report, 'assert_sessions_complete');
    expect(gaps.sample).toEqual([
      {
        symbol: 'AAA',
        interval: '4hour',
        session_date: '2024-11-29',
        expected_bars: 2,
        actual_bars: 1,
        missing_bars: 1,
        gaps_new_york: '12:30',
        severity: 'warn',
      },
      {
        symbol: 'AAA',
        interval: '5min',
        session_date: '2024-11-29',
        expected_bars: 42,
        actual_bars: 41,
        missing_bars: 1,
        gaps_new_york: '12:55',
        severity: 'warn',
      },
      {
        symbol: 'AAA',
        interval: '5min',
        session_date: '2024-12-03',
        expected_bars: 78,
        actual_bars: 72,
        missing_bars: 6,
        gaps_new_york: '10:00-10:25',
        severity: 'warn',
      },
      {
        symbol: 'BBB',
        interval: '5min',
        session_date: '2024-12-02',
        expected_bars: 78,
        actual_bars: 0,
        missing_bars: 78,
        gaps_new_york: '09:30-15:55',
        severity: 'error',
      },
    ]);
    expect([gaps.errorRows, gaps.warnRows]).toEqual([1, 3]);
  });

  it('report gaps without failing when only some bars are missing', async () => {
    await run(
      `DELETE FROM bars WHERE symbol = 'CCC' AND bar_start_at IN (${ny('2024-12-04', '09:30')}, ${ny('2024-12-04', '15:55')})`,
    );
    const report = await checkWarehouse();
    expect(report.passed).toBe(true);
    expect(check(report, 'assert_sessions_complete').sample.map((r) => r.gaps_new_york)).toEqual([
      '09:30, 15:55',
    ]);
  });

  it('report a duplicate key', async () => {
    await run(
      `INSERT INTO bars SELECT * FROM bars WHERE symbol = 'BBB' AND interval = '5min' AND bar_start_at = ${ny('2024-12-05', '11:00')}`,
    );
    const report = await checkWarehouse();
    expect(failing(report)).toEqual(['assert_bars_unique']);
    expect(check(report, 'assert_bars_unique').sample).toEqual([
      { mart: 'bars', symbol: 'BBB', interval: '5min', key_at: '2024-12-05T16:00:00Z', copies: '2' },
    ]);
  });

  it('report an OHLC violation', async () => {
    await run(
      `UPDATE bars SET high = greatest(open, close) - 0.01 WHERE symbol = 'AAA' AND interval = '1hour' AND bar_start_at = ${ny('2024-11-26', '13:30')}`,
    );
    const report = await checkWarehouse();
    expect(failing(report)).toEqual(['assert_bars_ohlc_consistent']);
    const rows = check(report, 'assert_bars_ohlc_consistent').sample;
    expect(rows.map((r) => [r.symbol, r.interval, r.bar_start_at, r.violation])).toEqual([
      ['AAA', '1hour', '2024-11-26T18:30:00Z', 'high below open or close'],
    ]);
  });

  it('report a non-positive price', async () => {
    await run(`UPDATE bars SET low = 0 WHERE symbol = 'BBB' AND bar_start_at = ${ny('2024-12-06', '15:00')}`);
    const report = await checkWarehouse();
    expect(failing(report)).toEqual(['assert_bars_prices_positive']);
    expect(check(report, 'assert_bars_prices_positive').sample.map((r) => [r.symbol, r.low])).toEqual([
      ['BBB', 0],
    ]);
  });

  it('report a price jump with no split on record, and a split whose record is missing', async () => {
    await run(
      `UPDATE bars SET close = close * 3, high = close * 3 WHERE symbol = 'AAA' AND interval = '1hour' AND bar_start_at = ${ny('2024-12-05', '11:30')}`,
    );
    await run('DELETE FROM splits');
    const report = await checkWarehouse();
    expect(failing(report)).toEqual(['assert_price_jumps_explained']);
    const rows = check(report, 'assert_price_jumps_explained').sample;
    expect(rows.map((r) => [r.symbol, r.interval, r.bar_start_at])).toEqual([
      ['AAA', '1hour', '2024-12-05T16:30:00Z'], // up threefold
      ['AAA', '1hour', '2024-12-05T17:30:00Z'], // and back
      ['CCC', '5min', '2024-12-02T14:30:00Z'], // the unrecorded 2-for-1 split
    ]);
    expect(Number(rows[0]!.jump)).toBeGreaterThan(1.9);
    const tolerant = await checkWarehouse({ jumpThreshold: 5 });
    expect(check(tolerant, 'assert_price_jumps_explained').errorRows).toBe(0);
  });

  it('report a symbol gone stale', async () => {
    await run(`DELETE FROM bars WHERE symbol = 'BBB' AND session_date > '2024-11-29'`);
    const report = await checkWarehouse();
    expect(failing(report)).toEqual(['assert_symbols_fresh']);
    expect(check(report, 'assert_symbols_fresh').sample).toEqual([
      {
        symbol: 'BBB',
        interval: '5min',
        last_session_date: '2024-11-29',
        newest_session_date: '2024-12-06',
        sessions_behind: '5',
      },
    ]);
    expect((await checkWarehouse({ staleSessions: 5 })).passed).toBe(true);
  });

  it('look only at sessions since --since', async () => {
    await run(`UPDATE bars SET low = -1 WHERE symbol = 'AAA' AND session_date = '2024-12-03'`);
    expect((await checkWarehouse({ since: '2024-12-04' })).passed).toBe(true);
    expect(failing(await checkWarehouse({ since: '2024-12-03' }))).toEqual(['assert_bars_prices_positive']);
    await expect(checkWarehouse({ since: '2024-13-01' })).rejects.toThrow(
      /--since "2024-13-01" is not a date/,
    );
  });
});
