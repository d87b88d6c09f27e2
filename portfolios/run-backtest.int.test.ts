import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../etl/core/log.ts';
import { randomWalkBars, writeBarsLake } from './bars-fixture.ts';
import { runBacktest } from './run-backtest.ts';

const SESSIONS = ['2024-03-07', '2024-03-08', '2024-03-11', '2024-03-12'];
const SYMBOLS = ['AAPL', 'AMZN', 'GOOGL', 'MSFT', 'NVDA', 'SPY'];

describe('runBacktest over a published lake', () => {
  let warehouseDir: string;
  beforeAll(async () => {
    warehouseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-backtest-'));
    await writeBarsLake(warehouseDir, randomWalkBars(SYMBOLS, SESSIONS, { seed: 7, maxMovePct: 1.6 }));
  });
  afterAll(() => fs.rmSync(warehouseDir, { recursive: true, force: true }));

  const run = () =>
    runBacktest({
      warehouseDir,
      portfolioId: 'momentum',
      from: '2024-03-07',
      to: '2024-03-12',
      log: silentLogger(),
    });

  it('trades, reports metrics against SPY, and a rerun is byte-identical', async () => {
    const first = await run();
    const html1 = fs.readFileSync(first.reportPath);
    const json1 = fs.readFileSync(first.resultPath);
    expect(first.reportPath).toBe(
      path.join(warehouseDir, 'reports', 'backtest-momentum-2024-03-07-2024-03-12.html'),
    );
    expect(first.result.bars).toBe(5 * 4 * 390);
    expect(first.metrics.sessions).toBe(4);
    expect(first.metrics.trades).toBeGreaterThan(10);
    expect(first.metrics.benchmark?.symbol).toBe('SPY');
    expect(first.result.curve.benchmark).toHaveLength(5);
    // every fill happened at a bar that opened at or after the order left
    for (const t of first.result.trades) expect(t.filledAt >= t.submittedAt).toBe(true);
    // cash + positions reconcile: the last equity equals start + realised + unrealised, so it must be finite
    expect(Number.isFinite(first.metrics.finalEquity)).toBe(true);
    fs.rmSync(first.reportPath);
    const second = await run();
    expect(fs.readFileSync(second.reportPath).equals(html1)).toBe(true);
    expect(fs.readFileSync(second.resultPath).equals(json1)).toBe(true);
  });

  it('trades a universe given by the caller instead of the config', async () => {
    const out = await runBacktest({
      warehouseDir,
      portfolioId: 'momentum',
      from: '2024-03-07',
      to: '2024-03-08',
      universe: ['MSFT', 'AAPL'],
      log: silentLogger(),
    });
    expect(out.result.universe).toEqual(['AAPL', 'MSFT']);
    expect(out.result.bars).toBe(2 * 2 * 390);
    expect(new Set(out.result.trades.map((t) => t.symbol))).toEqual(new Set(['AAPL', 'MSFT']));
  });

  it('names the missing data when the range holds no bars', async () => {
    await expect(
      runBacktest({
        warehouseDir,
        portfolioId: 'momentum',
        from: '2023-01-03',
        to: '2023-01-04',
        log: silentLogger(),
      }),
    ).rejects.toThrow(/no 1min bars of AAPL, AMZN, GOOGL, MSFT, NVDA between 2023-01-03 and 2023-01-04/);
  });

  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  it.skipIf(!chromium)('the report draws its charts in headless Chromium without network', async () => {
    const { reportPath } = await run();
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-chromium-'));
    try {
      const dom = execFileSync(
        chromium!,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--user-data-dir=${profile}`,
          '--dump-dom',
          `file://${reportPath}`,
        ],
        { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
      );
      expect(dom).toContain('data-charts-drawn="true"');
      const paths = [...dom.matchAll(/<path d="([^"]+)" class="series (\w+)"[^>]*data-points="(\d+)"/g)];
      const byName = new Map(paths.map((m) => [m[2], { d: m[1]!, points: Number(m[3]) }]));
      for (const name of ['equity', 'benchmark', 'drawdown']) {
        const series = byName.get(name);
        expect(series, name).toBeDefined();
        expect(series!.points).toBe(5);
        expect(series!.d.match(/[ML]\d/g)!.length).toBeGreaterThanOrEqual(5);
      }
      expect(dom).toMatch(/<table id="trades">[\s\S]*<td>(AAPL|AMZN|GOOGL|MSFT|NVDA)<\/td>/);
    } finally {
      fs.rmSync(profile, { recursive: true, force: true });
    }
  });
});
