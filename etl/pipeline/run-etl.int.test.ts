import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { nyDateTimeToUtcMs } from '../core/time.ts';
import { acquireWriterLock } from '../core/writer-lock.ts';
import { createFmpClient, type FmpClient } from '../extract/fmp-client.ts';
import { SkippingClock } from '../extract/manual-clock.ts';
import { readManifest } from '../publish/lake-manifest.ts';
import { openWarehouseReader } from '../publish/warehouse-reader.ts';
import { openWarehouseWriter } from '../publish/warehouse-writer.ts';
import { type Simulator, simIntradayColumns, simSessions, startSimulator } from '../sim/simulator.ts';
import type { EtlOptions } from './etl-options.ts';
import { countersOf } from './fmp-connection.ts';
import { loadSourceOf } from './load-source.ts';
import { runEtl } from './run-etl.ts';
import { readWarehouseStatus } from './warehouse-status.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = silentLogger();
const dirs: string[] = [];
const sims: Simulator[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-int-'));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function options(symbols: string[], from: string, to: string): EtlOptions {
  return {
    symbols,
    intervals: ['1min'],
    datasets: ['bars'],
    from,
    to,
    concurrency: 8,
    extended: false,
    dryRun: false,
    json: false,
  };
}

function client(sim: Simulator, extra: Partial<Parameters<typeof createFmpClient>[0]> = {}): FmpClient {
  return createFmpClient({
    baseUrl: sim.url,
    apiKey: sim.apiKey,
    rateLimitPerMin: 1_000_000,
    concurrency: 8,
    timeoutMs: 10_000,
    log,
    ...extra,
  });
}

async function etl(warehouseDir: string, fmp: FmpClient, opts: EtlOptions, flushRows?: number) {
  const writer = await openWarehouseWriter({ warehouseDir, log, clock: systemClock, flushRows });
  try {
    return await runEtl(opts, {
      source: fmp,
      counters: () => countersOf(fmp),
      writer,
      log,
      clock: systemClock,
      concurrency: 8,
      limitPerMin: 1_000_000,
      loadSource: loadSourceOf({}),
    });
  } finally {
    writer.close();
  }
}

/** Every bar of the lake equals what the simulator serves (raw prices), per symbol and session. */
async function expectLakeEqualsSimulator(warehouseDir: string, symbols: string[], from: string, to: string) {
  const reader = await openWarehouseReader(warehouseDir);
  const sessions = simSessions().sessions;
  try {
    for (const symbol of symbols) {
      const sim = simIntradayColumns(symbol, '1min', from, to, { seed: 1, nonadjusted: true });
      const result = await reader.connection.runAndReadAll(
        `select epoch_ms(bar_start_at) as t, strftime(session_date, '%Y-%m-%d') as d, open, high, low, close, volume
         from bars where symbol = $symbol and interval = '1min' order by bar_start_at`,
        { symbol },
      );
      const rows = result.getRowsJS();
      expect(rows.length, `${symbol} bar count`).toBe(sim.length);
      const simPerSession = new Map<string, number>();
      const lakePerSession = new Map<string, number>();
      for (let i = 0; i < sim.length; i++) {
        const date = sessions[sim.sessionIndex[i]!]!.date;
        simPerSession.set(date, (simPerSession.get(date) ?? 0) + 1);
        const row = rows[i]!;
        lakePerSession.set(String(row[1]), (lakePerSession.get(String(row[1])) ?? 0) + 1);
        const minute = sim.minute[i]!;
        const expected = [
          nyDateTimeToUtcMs(date, Math.floor(minute / 60), minute % 60),
          date,
          sim.open[i],
          sim.high[i],
          sim.low[i],
          sim.close[i],
          sim.volume[i],
        ];
        const actual = [Number(row[0]), row[1], row[2], row[3], row[4], row[5], Number(row[6])];
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          expect(actual, `${symbol} bar ${i}`).toEqual(expected);
        }
      }
      expect(lakePerSession, `${symbol} bars per session`).toEqual(simPerSession);
    }
  } finally {
    reader.close();
  }
}

const UNIVERSE = Array.from({ length: 10 }, (_, i) => `T${String(i).padStart(2, '0')}X`);
/** Staged bars beyond which the writer writes lake files mid-run: the run's ~240k bars flush four times. */
const FLUSH_ROWS = 50_000;

describe('mqs etl against the simulator', () => {
  let sim: Simulator;
  let warehouseDir: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 1 });
    sims.push(sim);
    warehouseDir = tempDir();
  });

  it('lands 10 tickers × 3 months of 1-minute bars equal to what the simulator serves', async () => {
    const fmp = client(sim);
    try {
      const summary = await etl(warehouseDir, fmp, options(UNIVERSE, '2024-01-02', '2024-03-28'), FLUSH_ROWS);
      expect(summary.failed).toEqual([]);
      // 61 sessions; 5-calendar-day windows from each Monday: 13 per symbol.
      expect(summary.datasets[0]).toMatchObject({ dataset: 'bars', windows_failed: 0 });
      expect(sim.stats().requests).toBe(10 * 13);
      expect(summary.rows).toBeGreaterThan(4 * FLUSH_ROWS);
    } finally {
      await fmp.close();
    }
    // why: written at the end alone, the bars would be one file per month; the flushes wrote more mid-run.
    expect(readManifest(path.join(warehouseDir, 'lake')).datasets.bars!.length).toBeGreaterThan(3);
    await expectLakeEqualsSimulator(warehouseDir, UNIVERSE, '2024-01-02', '2024-03-28');
  });

  it('makes no data requests on a second run', async () => {
    sim.resetStats();
    const fmp = client(sim);
    try {
      const summary = await etl(warehouseDir, fmp, options(UNIVERSE, '2024-01-02', '2024-03-28'), FLUSH_ROWS);
      expect(summary.rows).toBe(0);
      expect(summary.requests).toBe(0);
    } finally {
      await fmp.close();
    }
    expect(sim.stats().requests).toBe(0);
  });

  it('reports per symbol the bars and sessions present, and the runs', async () => {
    const status = await readWarehouseStatus(warehouseDir, {
      log,
      clock: systemClock,
      symbols: ['T00X', 'T09X'],
    });
    expect(status.etl_running).toBeUndefined();
    expect(status.series).toEqual([
      expect.objectContaining({
        symbol: 'T00X',
        interval: '1min',
        first_bar_at: expect.stringMatching(/^2024-01-02T/),
        last_bar_at: expect.stringMatching(/^2024-03-28T/),
        sessions_expected: 61,
        failed_windows: 0,
      }),
      expect.objectContaining({ symbol: 'T09X', sessions_expected: 61, failed_windows: 0 }),
    ]);
    expect(status.series[0]!.sessions_present).toBe(61);
    expect(status.failed_windows).toEqual([]);
    expect(status.runs.map((r) => [r.command, r.status])).toEqual([
      ['etl', 'ok'],
      ['etl', 'ok'],
    ]);
  });
});

describe('mqs etl with faults, 429s and truncating caps', () => {
  it('lands the data whole, lists failures that outlast the retries, and retries them first next run', async () => {
    // why: simulator and client count minutes (limits, pauses, backoff) by this clock; its sleeps end at once and
    // move its time, so the test sees 429s and their recovery without waiting real minutes, at any machine speed.
    const fastClock = new SkippingClock(Date.now());
    const sim = await startSimulator({
      seed: 1,
      clock: fastClock,
      rateLimitPerMin: 30,
      caps: { '1min': { calendarDays: 2 } },
      faults: {
        serverErrorShare: 0.25,
        resetShare: 0.05,
        truncateShare: 0.05,
        malformedShare: 0.05,
        limitReach200Share: 0.05,
      },
    });
    sims.push(sim);
    const warehouseDir = tempDir();
    const symbols = ['AAPL', 'MSFT', 'BRK-B', 'T01X', 'T02X', 'T03X'];
    const opts = options(symbols, '2024-03-04', '2024-03-22');
    const fmp = client(sim, {
      clock: fastClock,
      retry: { maxAttempts: 2 },
      breaker: { failureThreshold: 1_000 },
    });
    let first: Awaited<ReturnType<typeof etl>>;
    try {
      first = await etl(warehouseDir, fmp, opts);
    } finally {
      await fmp.close();
    }
    const stats = sim.stats();
    expect(stats.faults.serverError).toBeGreaterThan(0);
    expect(stats.rateLimited).toBeGreaterThan(0);
    // With 2 attempts and a quarter of the calls answered 503, some windows fail for good and are listed.
    expect(first.failed.length).toBeGreaterThan(0);
    expect(first.failed[0]).toMatchObject({ dataset: 'bars', interval: '1min' });

    sim.configure({
      faults: {
        serverErrorShare: 0,
        resetShare: 0,
        truncateShare: 0,
        malformedShare: 0,
        limitReach200Share: 0,
      },
    });
    sim.resetStats();
    const retry = client(sim, { clock: fastClock });
    try {
      const second = await etl(warehouseDir, retry, opts);
      expect(second.failed).toEqual([]);
      // The second run fetched exactly the failed windows: its rows are the simulator's bars in them.
      const expectedRows = first.failed.reduce(
        (n, f) =>
          n + simIntradayColumns(f.symbol, '1min', f.from, f.to, { seed: 1, nonadjusted: true }).length,
        0,
      );
      expect(second.rows).toBe(expectedRows);
    } finally {
      await retry.close();
    }
    await expectLakeEqualsSimulator(warehouseDir, symbols, '2024-03-04', '2024-03-22');
  });
});

describe('mqs etl input and locking (CLI)', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'mqs.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('exits 2 on a malformed tickers file, naming the bad lines, before fetching anything', () => {
    const dir = tempDir();
    const file = path.join(dir, 'tickers.txt');
    fs.writeFileSync(file, 'AAPL\nMS FT X\n# comment\nGOOD\nA&B\n');
    const run = cli(['etl', '--tickers-file', file], { WAREHOUSE_DIR: path.join(dir, 'wh') });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${file}:2:`);
    expect(run.stderr).toContain(`${file}:5:`);
    expect(fs.existsSync(path.join(dir, 'wh', 'etl.duckdb'))).toBe(false);
  });

  it('waits for another ETL holding the warehouse, then exits 1 naming it', async () => {
    const dir = tempDir();
    const lock = await acquireWriterLock(dir, 'etl', {
      command: 'mqs etl (test holder)',
      clock: systemClock,
    });
    try {
      const run = cli(['etl', '--tickers', 'AAPL', '--to', '2024-03-08', '--lock-wait', '1'], {
        WAREHOUSE_DIR: dir,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('held by mqs etl (test holder)');
    } finally {
      lock.release();
    }
  });
});
