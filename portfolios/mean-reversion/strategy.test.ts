import { describe, expect, it } from 'vitest';
import { nyDateTimeToUtcMs } from '../../etl/core/time.ts';
import { runBacktestOnColumns } from '../backtest-engine.ts';
import { barColumnsFromBars } from '../bar-columns.ts';
import { minuteBars } from '../bars-fixture.ts';
import { parsePortfolioConfig } from '../portfolio-config.ts';
import meanReversion from './strategy.ts';

const config = parsePortfolioConfig(
  {
    name: 'mr',
    strategy: { name: 'mean-reversion', params: {} },
    universe: ['AAA'],
    interval: '1min',
    capitalShare: 1,
    broker: { slippageBps: 0, commission: { perShare: 0, bps: 0, minimum: 0 } },
    risk: { maxWeightPerName: 1 },
  },
  't.json',
);
const params = meanReversion.params.parse({});
const backtest = (closes: number[], firstMinute: number) =>
  runBacktestOnColumns({
    portfolioId: 'mr',
    config,
    strategy: meanReversion.create(params, ['AAA']),
    columns: barColumnsFromBars(minuteBars('AAA', '2024-03-11', closes, closes, firstMinute)),
    allocatedCapital: 10_000,
  });
const at = (minute: number) => new Date(nyDateTimeToUtcMs('2024-03-11', 9, 30 + minute)).toISOString();

describe('intraday mean reversion', () => {
  it('buys below the mean of the last 30 minutes and sells once the close is back at the mean', () => {
    // 12 closes at 100, then 99: mean of the 13 = 99.923, 0.2% below it is 99.723 → buy; 100.5 ≥ mean → sell
    const result = backtest([...Array(12).fill(100), 99, 99.5, 100.5, 100], 0);
    expect(result.trades.map((t) => [t.quantity, t.price, t.submittedAt, t.filledAt])).toEqual([
      [10, 99.5, at(13), at(13)],
      [-10, 100, at(15), at(15)],
    ]);
  });

  it('flattens five minutes before the close and does not enter then', () => {
    // minutes 370…389 of the session; the dip closes at 383 (7 minutes left), the exit decision at 385
    const result = backtest([...Array(12).fill(100), ...Array(8).fill(99)], 370);
    expect(result.trades.map((t) => [t.quantity, t.filledAt])).toEqual([
      [10, at(383)],
      [-10, at(385)],
    ]);
  });
});
