import type { RunBacktestOutput } from './run-backtest.ts';

/** The few lines a person reads after a backtest: headline metrics, the benchmark, and where the report is. */
export function formatBacktestSummary(
  out: RunBacktestOutput,
  portfolioId: string,
  from: string,
  to: string,
): string {
  const m = out.metrics;
  const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(2)}%`);
  const num = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  const lines = [
    `${out.result.name} (${portfolioId}) ${from} → ${to}: ${out.result.bars} bars, ${m.sessions} sessions`,
    `  total return ${pct(m.totalReturn)}  CAGR ${pct(m.cagr)}  vol ${pct(m.annualVolatility)}  Sharpe ${num(m.sharpe)}  Sortino ${num(m.sortino)}`,
    `  max drawdown ${pct(m.maxDrawdown)} over ${m.maxDrawdownDurationSessions} sessions  turnover ${num(m.turnover)}  exposure ${pct(m.exposure)}`,
    `  trades ${m.trades}  win rate ${pct(m.winRate)}  commission ${num(m.commissionPaid)} USD  refused orders ${m.refusedOrders}`,
    m.benchmark
      ? `  ${m.benchmark.symbol} buy-and-hold ${pct(m.benchmark.totalReturn)} (excess ${pct(m.excessReturn)})`
      : '  benchmark: no bars in range',
    `report: ${out.reportPath}`,
  ];
  return `${lines.join('\n')}\n`;
}
