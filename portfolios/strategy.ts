import type { z } from 'zod';

/**
 * What a strategy sees of the market: the marts' bars of its universe as of the decision time `now`.
 * Only bars whose bar_end_at ≤ now are reachable; asking for anything later gives NaN / 0 / an empty array.
 * Symbols are addressed by index (`indexOf`) so the hot path never hashes strings. `barsAgo` 0 is the latest
 * closed bar. Prices are split-adjusted.
 */
export interface MarketView {
  /** Decision time, UTC ms: the bar_end_at of the latest bars that closed. */
  readonly now: number;
  readonly symbols: readonly string[];
  /** Index of a symbol in `symbols`, or -1. */
  indexOf(symbol: string): number;
  /** Number of this symbol's bars that have closed by `now`. */
  barCount(symbolIndex: number): number;
  close(symbolIndex: number, barsAgo?: number): number;
  open(symbolIndex: number, barsAgo?: number): number;
  high(symbolIndex: number, barsAgo?: number): number;
  low(symbolIndex: number, barsAgo?: number): number;
  volume(symbolIndex: number, barsAgo?: number): number;
  /** bar_start_at / bar_end_at, UTC ms. */
  startAt(symbolIndex: number, barsAgo?: number): number;
  endAt(symbolIndex: number, barsAgo?: number): number;
  /** Closes of the bars that ended in (fromMs, now], oldest first (a copy). */
  closesSince(symbolIndex: number, fromMs: number): Float64Array;
  /** The last `count` closes, oldest first (a copy; shorter when fewer bars closed). */
  lastCloses(symbolIndex: number, count: number): Float64Array;
}

/** What a strategy sees of its own portfolio at a decision time. */
export interface PortfolioView {
  readonly cash: number;
  /** Cash + positions at the latest closes. */
  readonly equity: number;
  /** Signed whole shares held (negative = short), after fills so far. */
  position(symbolIndex: number): number;
}

export interface StrategyContext {
  readonly market: MarketView;
  readonly portfolio: PortfolioView;
  /** Regular-session close of the current session, UTC ms (NaN outside a session). */
  readonly sessionCloseAt: number;
}

/** Target weight of a name: signed fraction of the portfolio's equity (0 = flat). */
export interface TargetWeight {
  symbolIndex: number;
  weight: number;
}

/** An order intent: signed whole shares (positive buys, negative sells). */
export interface OrderIntent {
  symbolIndex: number;
  quantity: number;
}

/** What a strategy returns at a decision time. Names not mentioned keep their position. */
export interface Decision {
  targets?: readonly TargetWeight[];
  orders?: readonly OrderIntent[];
}

/**
 * Targets that `onBar` signals at a bar close, handed over as the next decision (`take`).
 * why: a signal is about the latest close only; one left from an earlier bar close is stale, so `atBar` drops it
 * once `market.now` has moved on.
 */
export class PendingTargets {
  private targets: TargetWeight[] = [];
  private sliceAt = Number.NaN;

  /** Call first in `onBar`, with `market.now`. */
  atBar(now: number): void {
    if (now === this.sliceAt) return;
    this.sliceAt = now;
    if (this.targets.length > 0) this.targets = [];
  }

  push(symbolIndex: number, weight: number): void {
    this.targets.push({ symbolIndex, weight });
  }

  /** For `onDecision`: the targets signalled since the last decision, or undefined when there are none. */
  take(): Decision | undefined {
    if (this.targets.length === 0) return undefined;
    const targets = this.targets;
    this.targets = [];
    return { targets };
  }
}

/**
 * A running strategy. Hooks follow the bar-close order: `onBar` once per bar of the universe after it closed,
 * then `onDecision` once at each decision time (after every bar that closed at that instant was seen).
 */
export interface StrategyInstance {
  onStart?(ctx: StrategyContext): void;
  onBar?(symbolIndex: number, ctx: StrategyContext): void;
  onDecision(ctx: StrategyContext): Decision | undefined;
  onStop?(ctx: StrategyContext): void;
}

/**
 * A strategy module (`portfolios/<id>/strategy.ts`, default export). The same module runs in backtests and in
 * paper trading. `params` validates the config's `strategy.params`.
 */
export interface Strategy<Params = unknown> {
  readonly name: string;
  readonly params: z.ZodType<Params>;
  /** Bars of history the strategy needs before its first useful decision (paper runs load at least this). */
  warmupBars(params: Params): number;
  create(params: Params, universe: readonly string[]): StrategyInstance;
}

/** Identity helper that keeps a strategy's parameter type. */
export function defineStrategy<Params>(strategy: Strategy<Params>): Strategy<Params> {
  return strategy;
}
