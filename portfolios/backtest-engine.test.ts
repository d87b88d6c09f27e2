import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runBacktestOnColumns } from './backtest-engine.ts';
import { barColumnsFromBars } from './bar-columns.ts';
import { minuteBars } from './bars-fixture.ts';
import momentum from './momentum/strategy.ts';
import { parsePortfolioConfig } from './portfolio-config.ts';
import { defineStrategy } from './strategy.ts';

const config = (extra: Record<string, unknown> = {}) =>
  parsePortfolioConfig(
    {
      name: 'test',
      strategy: { name: 'momentum', params: {} },
      universe: ['AAA'],
      interval: '1min',
      capitalShare: 1,
      broker: { slippageBps: 10, commission: { perShare: 0.005, bps: 0, minimum: 1 } },
      risk: { maxWeightPerName: 1, maxGrossExposure: 1, maxNetExposure: 1, maxLeverage: 1 },
      ...extra,
    },
    'test.json',
  );

describe('a momentum backtest on hand-made bars', () => {
  // closes: 100 → 102 (+2%: buy) → 103 → 100 (−2.9%: sell) → 99
  const bars = minuteBars('AAA', '2024-03-11', [100, 101, 102.5, 103, 99], [100, 102, 103, 100, 99]);
  const result = runBacktestOnColumns({
    portfolioId: 'p',
    config: config(),
    strategy: momentum.create({ threshold: 0.01, weight: 0.5 }, ['AAA']),
    columns: barColumnsFromBars(bars),
    allocatedCapital: 10_000,
  });

  it('buys whole shares at the next bar open plus slippage and pays the commission minimum', () => {
    const buy = result.trades[0]!;
    // 0.5 × 10,000 / 102 = 49.02 → 49 shares; open 102.5 × (1 + 10 bps) = 102.6025; max(1, 49 × 0.005) = 1
    expect(buy.quantity).toBe(49);
    expect(buy.price).toBeCloseTo(102.6025, 10);
    expect(buy.commission).toBe(1);
    expect(buy.submittedAt).toBe('2024-03-11T13:32:00.000Z');
    expect(buy.filledAt).toBe('2024-03-11T13:32:00.000Z');
  });

  it('sells at the next open minus slippage and realises the P&L net of both commissions', () => {
    const sell = result.trades[1]!;
    expect(sell.quantity).toBe(-49);
    expect(sell.price).toBeCloseTo(98.901, 10);
    // 49 × 98.901 − 1 − (49 × 102.6025 + 1) = −183.3735
    expect(sell.realizedPnl).toBeCloseTo(-183.3735, 8);
    expect(result.trades).toHaveLength(2);
  });

  it('ends flat with cash equal to start plus realised P&L, and the metrics agree', () => {
    expect(result.curve.equity).toHaveLength(2);
    expect(result.curve.equity[1]).toBeCloseTo(10_000 - 183.3735, 8);
    expect(result.metrics.totalReturn).toBeCloseTo(-183.3735 / 10_000, 12);
    expect(result.metrics.trades).toBe(2);
    expect(result.metrics.closingTrades).toBe(1);
    expect(result.metrics.winRate).toBe(0);
    expect(result.metrics.commissionPaid).toBe(2);
    // turnover: (49 × 102.6025 + 49 × 98.901) / 9,816.6265
    expect(result.metrics.turnover).toBeCloseTo((49 * 102.6025 + 49 * 98.901) / 9816.6265, 10);
  });
});

describe('the market view', () => {
  it('gives a strategy nothing of a bar that has not closed yet', () => {
    const bars = [
      ...minuteBars('AAA', '2024-03-11', [10, 11, 12, 13], [10.5, 11.5, 12.5, 13.5]),
      ...minuteBars('BBB', '2024-03-11', [20, 21, 22, 23], [20.5, 21.5, 22.5, 23.5]),
    ];
    const seen: { now: number; maxEnd: number; future: number[]; counts: number[]; window: number }[] = [];
    const peeker = defineStrategy({
      name: 'peeker',
      params: z.object({}),
      warmupBars: () => 0,
      create: () => ({
        onDecision({ market }) {
          const future: number[] = [];
          let maxEnd = 0;
          let window = 0;
          for (let s = 0; s < market.symbols.length; s++) {
            future.push(market.close(s, -1), market.open(s, -1), market.endAt(s, -1), market.close(s, 0.5));
            maxEnd = Math.max(maxEnd, market.endAt(s, 0));
            window += market.closesSince(s, -Infinity).length + market.lastCloses(s, 1e9).length;
          }
          seen.push({
            now: market.now,
            maxEnd,
            future,
            counts: [0, 1].map((s) => market.barCount(s)),
            window,
          });
          return undefined;
        },
      }),
    });
    runBacktestOnColumns({
      portfolioId: 'p',
      config: config(),
      strategy: peeker.create({}, ['AAA', 'BBB']),
      columns: barColumnsFromBars(bars),
      allocatedCapital: 1000,
    });
    expect(seen).toHaveLength(4);
    seen.forEach((s, k) => {
      expect(s.maxEnd).toBe(s.now);
      expect(s.counts).toEqual([k + 1, k + 1]);
      expect(s.window).toBe(4 * (k + 1));
      expect(s.future.every(Number.isNaN)).toBe(true);
    });
  });
});
