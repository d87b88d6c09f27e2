import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../etl/core/clock.ts';
import { silentLogger } from '../etl/core/log.ts';
import { nyDateTimeToUtcMs } from '../etl/core/time.ts';
import { openWarehouseReader } from '../etl/publish/warehouse-reader.ts';
import { randomWalkBars, writeBarsLake } from './bars-fixture.ts';
import { runPortfolios } from './portfolio-manager.ts';

// why: written without imports so the modules load from a temp folder that has no node_modules.
const BUYER = `export default {
  name: 'buyer',
  params: { safeParse: (x) => ({ success: true, data: x }) },
  warmupBars: () => 1,
  create: (p, universe) => ({
    onDecision: ({ market }) => ({
      targets: [
        { symbolIndex: market.indexOf('AAPL'), weight: 0.1 },
        { symbolIndex: market.indexOf('MSFT'), weight: 0.3 },
      ],
    }),
  }),
};
`;
const BOOM = `export default {
  name: 'boom',
  params: { safeParse: (x) => ({ success: true, data: x }) },
  warmupBars: () => 1,
  create: () => ({ onDecision: () => { throw new Error('boom at decision'); } }),
};
`;

const config = (strategy: string, share: number) =>
  JSON.stringify({
    name: strategy,
    strategy: { name: strategy, params: {} },
    universe: ['AAPL', 'MSFT'],
    interval: '1min',
    capitalShare: share,
    broker: { slippageBps: 5, commission: { perShare: 0.005, bps: 0, minimum: 1 } },
    risk: { maxWeightPerName: 0.2 },
  });

const clockAt = (ms: number): Clock => ({ now: () => ms, sleep: systemClock.sleep });

describe('paper runs of the portfolio manager', () => {
  let root: string;
  let warehouseDir: string;
  let portfoliosDir: string;
  const bars = randomWalkBars(['AAPL', 'MSFT', 'SPY'], ['2024-03-11', '2024-03-12'], {
    seed: 3,
    maxMovePct: 0.5,
  });
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-paper-'));
    warehouseDir = path.join(root, 'warehouse');
    portfoliosDir = path.join(root, 'portfolios');
    for (const [id, strategy, share] of [
      ['buyer', BUYER, 0.5],
      ['boom', BOOM, 0.25],
    ] as const) {
      fs.mkdirSync(path.join(portfoliosDir, id), { recursive: true });
      fs.writeFileSync(path.join(portfoliosDir, id, 'strategy.ts'), strategy);
      fs.writeFileSync(path.join(portfoliosDir, id, 'config.json'), config(id, share));
    }
    await writeBarsLake(warehouseDir, bars);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const run = (ms: number) =>
    runPortfolios({ warehouseDir, portfoliosDir, log: silentLogger(), clock: clockAt(ms), lockWaitMs: 0 });
  const t1 = nyDateTimeToUtcMs('2024-03-11', 15, 0);
  const t2 = nyDateTimeToUtcMs('2024-03-11', 15, 10);

  it('sends what passes the risk limits, reports every refusal, and isolates a failing portfolio', async () => {
    const { results, published } = await run(t1);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['boom', 'failed'],
      ['buyer', 'ok'],
    ]);
    expect(results[0]!.message).toContain('boom at decision');
    const buyer = results[1]!;
    expect(buyer.asOf).toBe(new Date(t1).toISOString());
    expect(buyer.ordersSent).toBe(1);
    expect(buyer.fills).toBe(0);
    expect(buyer.refused).toHaveLength(1);
    expect(buyer.refused[0]!.reason).toMatch(
      /^MSFT buy \d+: weight (29\.\d\d|30\.00)% > max 20\.00% per name$/,
    );
    expect(buyer.equity).toBe(500_000);
    // why: each publish writes new immutable files; no positions or trades yet (the order fills at the next bar).
    expect(published).toEqual([
      expect.stringMatching(/^books\/pnl_daily\/part-v000001-[0-9a-f]{12}\.parquet$/),
    ]);
  });

  it('skips a portfolio when no bar closed since its last decision', async () => {
    const { results } = await run(t1 + 30_000);
    expect(results.find((r) => r.id === 'buyer')!.status).toBe('skipped');
  });

  it('fills the open order at the next bar open with slippage and publishes the books to the marts', async () => {
    const { results } = await run(t2);
    const buyer = results.find((r) => r.id === 'buyer')!;
    expect(buyer.status).toBe('ok');
    expect(buyer.fills).toBe(1);
    const fillBar = bars.find((b) => b.symbol === 'AAPL' && b.startAt === t1)!;
    const reader = await openWarehouseReader(warehouseDir);
    try {
      const trades = (
        await reader.connection.runAndReadAll('select * from trades order by order_id')
      ).getRowObjectsJS();
      expect(trades).toHaveLength(1);
      expect(trades[0]!.symbol).toBe('AAPL');
      expect(trades[0]!.side).toBe('buy');
      expect(Number(trades[0]!.price)).toBeCloseTo(fillBar.open * 1.0005, 10);
      const shares = Math.trunc(
        (0.1 * 500_000) / bars.find((b) => b.symbol === 'AAPL' && b.endAt === t1)!.close,
      );
      expect(Number(trades[0]!.quantity)).toBe(shares);
      const positions = (await reader.connection.runAndReadAll('select * from positions')).getRowObjectsJS();
      expect(positions.map((p) => [p.portfolio_id, p.symbol, Number(p.quantity)])).toEqual([
        ['buyer', 'AAPL', shares],
      ]);
      const pnl = (
        await reader.connection.runAndReadAll(
          `select portfolio_id, strftime(session_date, '%Y-%m-%d') as d, equity, cash, commission from pnl_daily`,
        )
      ).getRowObjectsJS();
      expect(pnl).toHaveLength(1);
      expect(pnl[0]!.d).toBe('2024-03-11');
      expect(Number(pnl[0]!.cash)).toBeCloseTo(
        500_000 - shares * fillBar.open * 1.0005 - Number(pnl[0]!.commission),
        6,
      );
      expect(Number(pnl[0]!.equity)).toBeCloseTo(buyer.equity!, 6);
    } finally {
      reader.close();
    }
  });

  it('refuses to start when the enabled capital shares add up to more than 1', async () => {
    fs.writeFileSync(path.join(portfoliosDir, 'boom', 'config.json'), config('boom', 0.6));
    await expect(run(t2)).rejects.toThrow(/capital shares of the enabled portfolios add up to 1\.1000/);
  });
});
