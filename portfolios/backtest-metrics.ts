/** Trading sessions per year, for annualising daily figures. */
export const SESSIONS_PER_YEAR = 252;

/** Performance of an equity curve sampled at each session close. Fractions, not percent; null when undefined. */
export interface SeriesMetrics {
  /** E_n / E_0 − 1. */
  totalReturn: number;
  /** (E_n / E_0)^(252 / sessions) − 1. */
  cagr: number | null;
  /** Sample standard deviation of daily returns × √252. */
  annualVolatility: number;
  /** mean(daily return) / stdev × √252, risk-free rate 0. */
  sharpe: number | null;
  /** mean(daily return) / downside deviation × √252; downside deviation = √(Σ min(r, 0)² / n). */
  sortino: number | null;
  /** Largest fall from a running peak, as a fraction of the peak (0.1 = −10%). */
  maxDrawdown: number;
  /** Sessions from the peak before the deepest drawdown until equity regained that peak (or the last session). */
  maxDrawdownDurationSessions: number;
}

export interface BacktestMetrics extends SeriesMetrics {
  sessions: number;
  initialEquity: number;
  finalEquity: number;
  /** Σ |fill notional| / mean session-close equity. */
  turnover: number;
  /** Mean over session closes of gross position value / equity. */
  exposure: number;
  /** Winning closing trades / closing trades (a closing trade is a fill that reduced a position). */
  winRate: number | null;
  /** Fills. */
  trades: number;
  closingTrades: number;
  commissionPaid: number;
  refusedOrders: number;
  benchmark: (SeriesMetrics & { symbol: string }) | null;
  /** totalReturn − benchmark.totalReturn. */
  excessReturn: number | null;
}

export function dailyReturns(equity: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < equity.length; i++) out.push(equity[i]! / equity[i - 1]! - 1);
  return out;
}

function mean(xs: readonly number[]): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return xs.length === 0 ? 0 : sum / xs.length;
}

function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/** Deepest drawdown and its duration over a curve whose first point is the starting equity. */
export function maxDrawdown(equity: readonly number[]): { maxDrawdown: number; durationSessions: number } {
  let peak = equity[0] ?? 0;
  let peakIndex = 0;
  let worst = 0;
  let worstPeakIndex = 0;
  let worstPeak = peak;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e > peak) {
      peak = e;
      peakIndex = i;
    }
    const dd = peak > 0 ? 1 - e / peak : 0;
    if (dd > worst) {
      worst = dd;
      worstPeakIndex = peakIndex;
      worstPeak = peak;
    }
  }
  if (worst === 0) return { maxDrawdown: 0, durationSessions: 0 };
  let recovered = equity.length - 1;
  for (let i = worstPeakIndex + 1; i < equity.length; i++) {
    if (equity[i]! >= worstPeak) {
      recovered = i;
      break;
    }
  }
  return { maxDrawdown: worst, durationSessions: recovered - worstPeakIndex };
}

/** Metrics of a curve E_0 (start) … E_n (close of session n). */
export function seriesMetrics(equity: readonly number[]): SeriesMetrics {
  const first = equity[0]!;
  const last = equity[equity.length - 1]!;
  const sessions = equity.length - 1;
  const r = dailyReturns(equity);
  const m = mean(r);
  const sd = sampleStd(r);
  let downside = 0;
  for (const x of r) if (x < 0) downside += x * x;
  const downsideDev = r.length > 0 ? Math.sqrt(downside / r.length) : 0;
  const annual = Math.sqrt(SESSIONS_PER_YEAR);
  const dd = maxDrawdown(equity);
  return {
    totalReturn: last / first - 1,
    cagr: sessions > 0 && last > 0 ? (last / first) ** (SESSIONS_PER_YEAR / sessions) - 1 : null,
    annualVolatility: sd * annual,
    sharpe: sd > 0 ? (m / sd) * annual : null,
    sortino: downsideDev > 0 ? (m / downsideDev) * annual : null,
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownDurationSessions: dd.durationSessions,
  };
}

export interface MetricsInput {
  /** E_0, the starting equity, then the equity at each session close. */
  equity: readonly number[];
  /** Gross position value at each session close (same length as equity − 1), USD. */
  grossExposure: readonly number[];
  tradedNotional: number;
  trades: number;
  /** Realised P&L of every closing trade, USD. */
  closingTradePnls: readonly number[];
  commissionPaid: number;
  refusedOrders: number;
  /** Buy-and-hold curve of the benchmark on the same sessions, starting at E_0. */
  benchmark?: { symbol: string; equity: readonly number[] };
}

export function computeMetrics(input: MetricsInput): BacktestMetrics {
  const { equity } = input;
  const closes = equity.slice(1);
  const series = seriesMetrics(equity);
  const meanEquity = mean(closes);
  let exposureSum = 0;
  for (let i = 0; i < closes.length; i++) exposureSum += input.grossExposure[i]! / closes[i]!;
  const wins = input.closingTradePnls.filter((p) => p > 0).length;
  const benchmark = input.benchmark
    ? { symbol: input.benchmark.symbol, ...seriesMetrics(input.benchmark.equity) }
    : null;
  return {
    ...series,
    sessions: closes.length,
    initialEquity: equity[0]!,
    finalEquity: equity[equity.length - 1]!,
    turnover: meanEquity > 0 ? input.tradedNotional / meanEquity : 0,
    exposure: closes.length > 0 ? exposureSum / closes.length : 0,
    winRate: input.closingTradePnls.length > 0 ? wins / input.closingTradePnls.length : null,
    trades: input.trades,
    closingTrades: input.closingTradePnls.length,
    commissionPaid: input.commissionPaid,
    refusedOrders: input.refusedOrders,
    benchmark,
    excessReturn: benchmark ? series.totalReturn - benchmark.totalReturn : null,
  };
}
