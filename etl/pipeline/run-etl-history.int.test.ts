import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionsBetween } from '../core/calendar.ts';
import { silentLogger } from '../core/log.ts';
import { nyDateTimeToUtcMs } from '../core/time.ts';
import { createFmpClient } from '../extract/fmp-client.ts';
import { ManualClock } from '../extract/manual-clock.ts';
import { openWarehouseReader } from '../publish/warehouse-reader.ts';
import { openWarehouseWriter } from '../publish/warehouse-writer.ts';
import { simEodBars, simIntradayColumns, simSessions, startSimulator } from '../sim/simulator.ts';
import { countersOf } from './fmp-connection.ts';
import { loadSourceOf } from './load-source.ts';
import { runEtl } from './run-etl.ts';

const log = silentLogger();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const SYMBOLS = ['AAPL', 'H01X', 'H02X'];

/**
 * Runs the ETL (1-minute and daily) over the ranges with the clock stopped at `nowMs`, then checks that the lake
 * holds exactly the simulator's bars for every session, at the right UTC instants and session dates, and that
 * coverage reports every session complete.
 */
async function landAndCheck(nowMs: number, ranges: Array<[string, string]>): Promise<void> {
  const warehouseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-history-'));
  dirs.push(warehouseDir);
  const clock = new ManualClock(nowMs);
  const sim = await startSimulator({ seed: 1, clock });
  const fmp = createFmpClient({
    baseUrl: sim.url,
    apiKey: sim.apiKey,
    rateLimitPerMin: 1_000_000,
    concurrency: 4,
    timeoutMs: 10_000,
    log,
    clock,
  });
  try {
    for (const [from, to] of ranges) {
      const writer = await openWarehouseWriter({ warehouseDir, log, clock });
      try {
        const summary = await runEtl(
          {
            symbols: SYMBOLS,
            intervals: ['1min'],
            datasets: ['bars', 'eod_bars'],
            from,
            to,
            concurrency: 4,
            extended: false,
            dryRun: false,
            json: false,
          },
          {
            source: fmp,
            loadSource: loadSourceOf({}),
            counters: () => countersOf(fmp),
            writer,
            log,
            clock,
            concurrency: 4,
            limitPerMin: 1_000_000,
          },
        );
        expect(summary.failed).toEqual([]);
      } finally {
        writer.close();
      }
    }
  } finally {
    await fmp.close();
    await sim.close();
  }

  const reader = await openWarehouseReader(warehouseDir);
  const sessions = simSessions().sessions;
  try {
    for (const [from, to] of ranges) {
      const calendar = sessionsBetween(from, to);
      expect(calendar.length).toBeGreaterThan(0);
      for (const symbol of SYMBOLS) {
        const sim = simIntradayColumns(symbol, '1min', from, to, { seed: 1, nonadjusted: true, nowMs });
        const rows = (
          await reader.query(
            `select epoch_ms(bar_start_at) as t, epoch_ms(bar_end_at) as e, strftime(session_date, '%Y-%m-%d') as d,
               open, high, low, close, volume
             from bars where symbol = $symbol and interval = '1min' and session_date between $from and $to
             order by bar_start_at`,
            { symbol, from, to },
          )
        ).getRowsJS();
        expect(rows.length, `${symbol} ${from}..${to} bars`).toBe(sim.length);
        for (let i = 0; i < sim.length; i++) {
          const date = sessions[sim.sessionIndex[i]].date;
          const minute = sim.minute[i];
          const start = nyDateTimeToUtcMs(date, Math.floor(minute / 60), minute % 60);
          const close = calendar.find((s) => s.date === date)!.closeAt;
          const expected = [start, Math.min(start + 60_000, close), date, sim.open[i], sim.high[i]];
          const actual = [Number(rows[i][0]), Number(rows[i][1]), rows[i][2], rows[i][3], rows[i][4]];
          if (JSON.stringify(actual) !== JSON.stringify(expected))
            expect(actual, `${symbol} bar ${i}`).toEqual(expected);
        }
        const daily = (
          await reader.query(
            `select strftime(date, '%Y-%m-%d') as d, open, close, volume from eod_bars
             where symbol = $symbol and date between $from and $to order by date`,
            { symbol, from, to },
          )
        ).getRowsJS();
        const simDaily = simEodBars(symbol, from, to, { seed: 1, adjustment: 'none', nowMs });
        expect(daily.map((r) => r[0])).toEqual(simDaily.map((b) => b.date));
        expect(daily.map((r) => [r[1], r[2], Number(r[3])])).toEqual(
          simDaily.map((b) => [b.open, b.close, b.volume]),
        );
      }
      const coverage = (
        await reader.query(
          `select symbol, strftime(session_date, '%Y-%m-%d') as d, expected_bars, actual_bars from coverage
           where interval = '1min' and session_date between $from and $to order by symbol, session_date`,
          { from, to },
        )
      ).getRowsJS();
      // AAPL is never thin: every session complete, early closes with their shorter count
      const aapl = coverage.filter((r) => r[0] === 'AAPL');
      expect(aapl.map((r) => r[1])).toEqual(calendar.map((s) => s.date));
      expect(aapl.map((r) => [Number(r[2]), Number(r[3])])).toEqual(
        calendar.map((s) => {
          const minutes = (s.closeAt - s.openAt) / 60_000;
          return [minutes, minutes];
        }),
      );
      for (const r of coverage) expect(Number(r[3]), `${r[0]} ${r[1]}`).toBeGreaterThan(0);
    }
  } finally {
    reader.close();
  }
}

describe('mqs etl over the whole calendar', () => {
  it('lands 1999 (DST switch under the pre-2007 rule, Good Friday, a 13:00 close) whole, daily and 1-minute', async () => {
    const ranges: Array<[string, string]> = [
      ['1999-03-29', '1999-04-09'],
      ['1999-11-22', '1999-12-03'],
    ];
    await landAndCheck(Date.UTC(2000, 0, 10, 17, 0), ranges);
    // the instants the calendar put the bars at: EST before 1999-04-04, EDT after, 13:00 EST on 1999-11-26
    expect(sessionsBetween('1999-04-01', '1999-04-05').map((s) => new Date(s.openAt).toISOString())).toEqual([
      '1999-04-01T14:30:00.000Z',
      '1999-04-05T13:30:00.000Z',
    ]);
    expect(new Date(sessionsBetween('1999-11-26', '1999-11-26')[0].closeAt).toISOString()).toBe(
      '1999-11-26T18:00:00.000Z',
    );
  }, 180_000);

  it('lands 2031 (computed by the rules: DST end, Thanksgiving and its early close) whole, daily and 1-minute', async () => {
    const ranges: Array<[string, string]> = [
      ['2031-10-27', '2031-11-07'],
      ['2031-11-24', '2031-12-05'],
    ];
    await landAndCheck(Date.UTC(2032, 0, 5, 17, 0), ranges);
    expect(sessionsBetween('2031-10-31', '2031-11-03').map((s) => new Date(s.openAt).toISOString())).toEqual([
      '2031-10-31T13:30:00.000Z',
      '2031-11-03T14:30:00.000Z',
    ]);
    expect(sessionsBetween('2031-11-27', '2031-11-28').map((s) => new Date(s.closeAt).toISOString())).toEqual(
      ['2031-11-28T18:00:00.000Z'],
    );
  }, 180_000);
});
