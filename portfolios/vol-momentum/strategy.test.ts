import { describe, expect, it } from 'vitest';
import { replayBars } from '../backtest-engine.ts';
import { barColumnsFromBars } from '../bar-columns.ts';
import { minuteBars } from '../bars-fixture.ts';
import { parsePortfolioConfig } from '../portfolio-config.ts';
import { PortfolioRunner } from '../portfolio-runner.ts';
import volMomentum from './strategy.ts';

const config = parsePortfolioConfig(
  {
    name: 'vm',
    strategy: { name: 'vol-momentum', params: {} },
    universe: ['AAA', 'BBB'],
    interval: '1min',
    capitalShare: 1,
    broker: { slippageBps: 0, commission: { perShare: 0, bps: 0, minimum: 0 } },
    risk: { maxWeightPerName: 1 },
  },
  't.json',
);
const params = volMomentum.params.parse({});
// AAA zig-zags ±0.1% for 21 bars, then climbs 1% a bar: the 20-bar change beats 1.5× the 20-bar volatility
const zigzag = Array.from({ length: 21 }, (_, k) => (k % 2 === 0 ? 100 : 100.1));
const closes = [...zigzag, 101, 102, 103, 104, 105];
const bars = [
  ...minuteBars('AAA', '2024-03-11', closes, closes),
  ...minuteBars(
    'BBB',
    '2024-03-11',
    closes.map(() => 50),
    closes.map(() => 50),
  ),
];

function run(cash: number, bbbShares: number) {
  const columns = barColumnsFromBars(bars);
  const runner = new PortfolioRunner({
    columns,
    config,
    strategy: volMomentum.create(params, columns.symbols),
    allocatedCapital: 100_000,
    cash,
  });
  runner.book.quantity[1] = bbbShares;
  runner.book.averageCost[1] = 50;
  replayBars(runner, columns, { shouldDecide: () => true });
  return runner;
}

describe('volatility-scaled momentum', () => {
  it('buys the first breakout, sized to the target volatility and capped at the max weight', () => {
    const runner = run(100_000, 0);
    // by hand: at bar k, roc = c[k] / c[k − 20] − 1 against 1.5 × stdev(20 log returns) × √20
    let expected: { bar: number; quantity: number } | undefined;
    for (let k = 20; k < closes.length && !expected; k++) {
      const r = Array.from({ length: 20 }, (_, j) => Math.log(closes[k - j]! / closes[k - j - 1]!));
      const mean = r.reduce((a, b) => a + b, 0) / 20;
      const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 19);
      if (closes[k]! / closes[k - 20]! - 1 > 1.5 * sd * Math.sqrt(20)) {
        const weight = Math.min(0.2, 0.2 / (sd * Math.sqrt(252 * 390)) / 2);
        expected = { bar: k, quantity: Math.trunc((weight * 100_000) / closes[k]!) };
      }
    }
    expect(expected).toBeDefined();
    const first = runner.orders.find((o) => o.symbolIndex === 0)!;
    expect(first.quantity).toBe(expected!.quantity);
    expect(first.submittedAt).toBe(bars[expected!.bar]!.endAt);
  });

  it('is risk-off below 10% cash: no new buys', () => {
    // 5,000 cash + 1,900 × 50 in BBB = 100,000 equity, 5% cash
    const runner = run(5_000, 1_900);
    expect(runner.orders.filter((o) => o.quantity > 0)).toEqual([]);
    expect(runner.refused).toEqual([]);
  });
});
