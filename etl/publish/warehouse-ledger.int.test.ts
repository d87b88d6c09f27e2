/**
 * The writer's ledger of windows (failed, empty, quarantined, overlapping), calls made concurrently, and the
 * datasets besides bars (splits, dividends, daily bars) with the split adjustment the views apply.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { fixtureIntradayColumns } from '../transform/testing/intraday-fixture.ts';
import { type IntradayWindow, transformIntraday } from '../transform/transform-intraday.ts';
import { commitOf, sum, useWriterFixture, week } from './testing/writer-fixture.ts';
import type { WarehouseWriter } from './warehouse-writer.ts';

const fx = useWriterFixture();
const { open, query } = fx;
let writer: WarehouseWriter | undefined;
afterEach(() => {
  writer?.close();
  writer = undefined;
});

describe('warehouse writer: the run ledger and the other datasets', () => {
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
});
