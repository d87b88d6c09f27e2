import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionOn } from '../core/calendar.ts';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { nyDateTimeToUtcMs } from '../core/time.ts';
import { createFmpClient } from '../extract/fmp-client.ts';
import { openWarehouseReader } from '../publish/warehouse-reader.ts';
import { openWarehouseWriter } from '../publish/warehouse-writer.ts';
import { simIntradayColumns, startSimulator } from '../sim/simulator.ts';
import { countersOf } from './fmp-connection.ts';
import { loadSourceOf } from './load-source.ts';
import { completedBars, makeRealtimePoll, REALTIME_PARTIAL } from './realtime-etl.ts';
import { runEtl } from './run-etl.ts';

const log = silentLogger();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'realtime-int-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('realtime polling and the nightly backfill', () => {
  it('appends completed bars during the session; the nightly run completes it without doubling a bar', async () => {
    let now = nyDateTimeToUtcMs('2024-03-12', 11, 0, 30);
    // why: the simulator serves only bars that ended by its clock, like FMP during a live session.
    const clock: Clock = { now: () => now, sleep: systemClock.sleep };
    const sim = await startSimulator({ seed: 1, clock });
    const client = createFmpClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      rateLimitPerMin: 100_000,
      concurrency: 4,
      timeoutMs: 10_000,
      log,
    });
    const session = sessionOn('2024-03-12')!;
    const symbols = ['AAPL', 'MSFT'];
    try {
      let writer = await openWarehouseWriter({ warehouseDir: dir, log, clock });
      try {
        const loadId = await writer.beginLoad('etl realtime');
        const poll = makeRealtimePoll({ client, writer, loadId, clock, log });
        // 09:30 … 10:59 have ended by 11:00:30: 90 bars each.
        expect(await poll.pollOnce(symbols, session, undefined)).toBe(2 * 90);
        now = nyDateTimeToUtcMs('2024-03-12', 11, 30, 5);
        expect(await poll.pollOnce(symbols, session, undefined)).toBe(2 * 120);
        const states = await writer.windowStates({ dataset: 'bars' });
        expect(states.map((s) => [s.symbol, s.status, s.error])).toEqual([
          ['AAPL', 'failed', REALTIME_PARTIAL],
          ['MSFT', 'failed', REALTIME_PARTIAL],
        ]);
      } finally {
        writer.close();
      }

      now = nyDateTimeToUtcMs('2024-03-12', 18, 15);
      writer = await openWarehouseWriter({ warehouseDir: dir, log, clock });
      try {
        const summary = await runEtl(
          {
            symbols,
            intervals: ['1min'],
            datasets: ['bars'],
            from: '2024-03-12',
            to: '2024-03-12',
            concurrency: 4,
            extended: false,
            dryRun: false,
            json: false,
          },
          {
            source: client,
            counters: () => countersOf(client),
            writer,
            log,
            clock,
            concurrency: 4,
            limitPerMin: 100_000,
            loadSource: loadSourceOf({}),
          },
        );
        expect(summary.failed).toEqual([]);
        expect(summary.datasets[0]).toMatchObject({ windows_loaded: 2, rows: 2 * 390 });
      } finally {
        writer.close();
      }
    } finally {
      await client.close();
      await sim.close();
    }

    const reader = await openWarehouseReader(dir);
    try {
      const result = await reader.connection.runAndReadAll(
        `select symbol, count(*) as n, count(distinct bar_start_at) as starts, sum(volume) as volume
         from bars where session_date = '2024-03-12' group by symbol order by symbol`,
      );
      const expected = symbols.map((s) => {
        const c = simIntradayColumns(s, '1min', '2024-03-12', '2024-03-12', { seed: 1, nonadjusted: true });
        return [s, 390, 390, c.volume.reduce((a, b) => a + b, 0)];
      });
      expect(result.getRowsJS().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)))).toEqual(
        expected,
      );
    } finally {
      reader.close();
    }
  });

  it('keeps only the bars that have ended', () => {
    const wall = (h: number, m: number) => Date.UTC(2024, 2, 12, h, m);
    const columns = {
      length: 3,
      wallMs: Float64Array.of(wall(11, 0), wall(10, 59), wall(10, 58)),
      open: Float64Array.of(1, 2, 3),
      high: Float64Array.of(1, 2, 3),
      low: Float64Array.of(1, 2, 3),
      close: Float64Array.of(1, 2, 3),
      volume: Float64Array.of(10, 20, 30),
    };
    const kept = completedBars(columns, nyDateTimeToUtcMs('2024-03-12', 11, 0, 30));
    expect(Array.from(kept.open)).toEqual([2, 3]);
    expect(kept.length).toBe(2);
  });
});
