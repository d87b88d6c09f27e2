import { describe, expect, it } from 'vitest';
import { computeMetrics, maxDrawdown, seriesMetrics } from './backtest-metrics.ts';

describe('series metrics on a hand-computed curve', () => {
  // E: 100 → 110 → 99 → 105 → 111 → 100
  const equity = [100, 110, 99, 105, 111, 100];
  const r = [0.1, -0.1, 105 / 99 - 1, 111 / 105 - 1, 100 / 111 - 1];
  const m = seriesMetrics(equity);
  const mean = r.reduce((a, b) => a + b, 0) / 5;
  const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 4);

  it('total return is last over first minus one', () => {
    expect(m.totalReturn).toBe(0);
  });
  it('annualised volatility is the sample stdev of daily returns times √252', () => {
    expect(m.annualVolatility).toBeCloseTo(sd * Math.sqrt(252), 12);
  });
  it('Sharpe is mean over stdev times √252', () => {
    expect(m.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(252), 12);
  });
  it('Sortino divides by the downside deviation √(Σ min(r,0)² / n)', () => {
    const downside = Math.sqrt((0.1 ** 2 + (100 / 111 - 1) ** 2) / 5);
    expect(m.sortino).toBeCloseTo((mean / downside) * Math.sqrt(252), 12);
  });
  it('max drawdown is the deepest fall from a peak, and its duration runs to the recovery', () => {
    // peak 110 → 99 is −10%; 111 → 100 is −9.9%; recovery of 110 at index 4: 3 sessions
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(m.maxDrawdownDurationSessions).toBe(3);
  });
  it('an unrecovered drawdown lasts until the last session', () => {
    expect(maxDrawdown([100, 120, 90, 100])).toEqual({ maxDrawdown: 0.25, durationSessions: 2 });
    expect(maxDrawdown([100, 101, 102])).toEqual({ maxDrawdown: 0, durationSessions: 0 });
  });
  it('CAGR compounds over 252 sessions a year', () => {
    expect(seriesMetrics([100, 102, 104.04]).cagr).toBeCloseTo(1.02 ** 252 - 1, 9);
    const year = [100, ...Array.from({ length: 252 }, (_, i) => 100 + (10 * (i + 1)) / 252)];
    expect(seriesMetrics(year).cagr).toBeCloseTo(0.1, 12);
  });
  it('flat curves have no Sharpe or Sortino', () => {
    const flat = seriesMetrics([100, 100, 100]);
    expect(flat.sharpe).toBeNull();
    expect(flat.sortino).toBeNull();
    expect(flat.annualVolatility).toBe(0);
  });
});

describe('portfolio metrics', () => {
  const m = computeMetrics({
    equity: [1000, 1010, 990, 1020],
    grossExposure: [505, 0, 1020],
    tradedNotional: 2040,
    trades: 4,
    closingTradePnls: [12, -3, 7],
    commissionPaid: 4,
    refusedOrders: 2,
    benchmark: { symbol: 'SPY', equity: [1000, 1005, 1000, 1050] },
  });
  it('turnover is traded notional over mean session equity', () => {
    expect(m.turnover).toBeCloseTo(2040 / ((1010 + 990 + 1020) / 3), 12);
  });
  it('exposure is the mean of gross over equity at session closes', () => {
    expect(m.exposure).toBeCloseTo((505 / 1010 + 0 + 1) / 3, 12);
  });
  it('win rate counts winning closing trades', () => {
    expect(m.winRate).toBeCloseTo(2 / 3, 12);
    expect(m.trades).toBe(4);
    expect(m.closingTrades).toBe(3);
  });
  it('compares against buy-and-hold of the benchmark', () => {
    expect(m.benchmark?.totalReturn).toBeCloseTo(0.05, 12);
    expect(m.benchmark?.maxDrawdown).toBeCloseTo(1 - 1000 / 1005, 12);
    expect(m.excessReturn).toBeCloseTo(0.02 - 0.05, 12);
    expect(m.sessions).toBe(3);
    expect(m.finalEquity).toBe(1020);
  });
});
