import { formatDayNumber, type IsoDate } from '../etl/core/time.ts';
import { type BacktestMetrics, computeMetrics } from './backtest-metrics.ts';
import type { BarColumns } from './bar-columns.ts';
import type { PortfolioConfig } from './portfolio-config.ts';
import { PortfolioRunner } from './portfolio-runner.ts';
import type { StrategyInstance } from './strategy.ts';

/** Session open and close of the benchmark symbol (split-adjusted). */
export interface BenchmarkSession {
  sessionDate: IsoDate;
  open: number;
  close: number;
}

export interface BacktestInput {
  portfolioId: string;
  config: PortfolioConfig;
  strategy: StrategyInstance;
  columns: BarColumns;
  /** Capital the portfolio starts with, USD. */
  allocatedCapital: number;
  benchmark?: { symbol: string; sessions: readonly BenchmarkSession[] };
}

/** A fill in the trade list. Times are ISO 8601 UTC. */
export interface TradeRow {
  orderId: number;
  symbol: string;
  submittedAt: string;
  filledAt: string;
  quantity: number;
  price: number;
  commission: number;
  realizedPnl: number;
}

export interface RefusedRow {
  at: string;
  symbol: string;
  quantity: number;
  reason: string;
}

export interface BacktestResult {
  portfolioId: string;
  name: string;
  strategy: string;
  interval: string;
  universe: readonly string[];
  /** Bars replayed. */
  bars: number;
  /** Session dates (New York) of the equity curve; index 0 is the start, before the first session. */
  curve: { dates: IsoDate[]; equity: number[]; benchmark: number[] | null };
  metrics: BacktestMetrics;
  trades: TradeRow[];
  refused: RefusedRow[];
  /** Orders still open at the end (no later bar to fill on); cancelled. */
  cancelledAtEnd: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Replays columns in bar-close order through a PortfolioRunner: at each distinct bar_end_at every bar that closed
 * then is revealed (open orders fill at its open first), then — on the schedule — the strategy decides. Equity
 * is sampled at each session's last bar close. Pure: no I/O, no clock; the same input gives the same result.
 */
export function runBacktestOnColumns(input: BacktestInput): BacktestResult {
  const { columns, config } = input;
  const runner = new PortfolioRunner({
    columns,
    config,
    strategy: input.strategy,
    allocatedCapital: input.allocatedCapital,
  });
  const everyBars = config.schedule.everyBars;
  const dates: IsoDate[] = [''];
  const equity: number[] = [input.allocatedCapital];
  const gross: number[] = [];
  runner.start();
  replayBars(runner, columns, {
    shouldDecide: (slice) => slice % everyBars === 0,
    onSessionClose: (day) => {
      const value = runner.book.positionsValue();
      dates.push(formatDayNumber(day));
      equity.push(runner.book.cash + value.net);
      gross.push(value.gross);
    },
  });
  runner.stop();
  const cancelled = runner.broker.cancelAll();
  dates[0] = dates.length > 1 ? `${dates[1]} open` : 'start';
  const symbols = columns.symbols;
  const submittedAt = new Map(runner.orders.map((o) => [o.id, o.submittedAt]));
  const trades: TradeRow[] = runner.fills.map((f) => ({
    orderId: f.orderId,
    symbol: symbols[f.symbolIndex]!,
    submittedAt: iso(submittedAt.get(f.orderId)!),
    filledAt: iso(f.filledAt),
    quantity: f.quantity,
    price: f.price,
    commission: f.commission,
    realizedPnl: f.realizedPnl,
  }));
  const refused: RefusedRow[] = runner.refused.map((r) => ({
    at: iso(r.at),
    symbol: symbols[r.symbolIndex]!,
    quantity: r.quantity,
    reason: r.reason,
  }));
  const benchmarkCurve = input.benchmark
    ? benchmarkEquity(input.benchmark.sessions, dates, equity[0]!)
    : null;
  const metrics = computeMetrics({
    equity,
    grossExposure: gross,
    tradedNotional: runner.book.tradedNotional,
    trades: runner.fills.length,
    closingTradePnls: runner.fills.filter((f) => f.closesPosition).map((f) => f.realizedPnl),
    commissionPaid: runner.book.commissionPaid,
    refusedOrders: runner.refused.length,
    benchmark:
      input.benchmark && benchmarkCurve
        ? { symbol: input.benchmark.symbol, equity: benchmarkCurve }
        : undefined,
  });
  return {
    portfolioId: input.portfolioId,
    name: config.name,
    strategy: config.strategy.name,
    interval: config.interval,
    universe: symbols,
    bars: columns.eventRow.length,
    curve: { dates, equity, benchmark: benchmarkCurve },
    metrics,
    trades,
    refused,
    cancelledAtEnd: cancelled.length,
  };
}

/**
 * Buy-and-hold of the benchmark: all of E_0 at the open of the first session, valued at each session close
 * (carried over sessions the benchmark lacks). Null when the benchmark has no bars in the range.
 */
export function benchmarkEquity(
  sessions: readonly BenchmarkSession[],
  dates: readonly IsoDate[],
  initialEquity: number,
): number[] | null {
  if (sessions.length === 0 || dates.length < 2) return null;
  const byDate = new Map(sessions.map((s) => [s.sessionDate, s]));
  const first = sessions.find((s) => s.sessionDate >= dates[1]!);
  if (!first || !(first.open > 0)) return null;
  const out = [initialEquity];
  let last = initialEquity;
  for (let i = 1; i < dates.length; i++) {
    const s = byDate.get(dates[i]!);
    if (s && s.sessionDate >= first.sessionDate) last = (initialEquity * s.close) / first.open;
    out.push(last);
  }
  return out;
}

export interface ReplayHooks {
  /** Whether to decide after the `slice`-th distinct bar close (1-based) at `now` (UTC ms). */
  shouldDecide(slice: number, now: number): boolean;
  /** Called after the last bar of a session (days since 1970-01-01) was revealed and decided on. */
  onSessionClose?(sessionDay: number): void;
}

/**
 * Drives a runner through columns in bar-close order: at each distinct bar_end_at every bar that closed then is
 * revealed (open orders fill at its open first), then the strategy may decide.
 */
export function replayBars(runner: PortfolioRunner, columns: BarColumns, hooks: ReplayHooks): void {
  const { eventRow, eventSymbol, endAt, sessionDay } = columns;
  const n = eventRow.length;
  let slice = 0;
  let e = 0;
  while (e < n) {
    const firstRow = eventRow[e]!;
    const now = endAt[firstRow]!;
    const day = sessionDay[firstRow]!;
    runner.setTime(now, day);
    let k = e;
    while (k < n && endAt[eventRow[k]!] === now) runner.revealBar(eventSymbol[k++]!);
    slice++;
    if (hooks.shouldDecide(slice, now)) runner.decide();
    e = k;
    if (hooks.onSessionClose && (e === n || sessionDay[eventRow[e]!] !== day)) hooks.onSessionClose(day);
  }
}
