import type { BarColumns } from './bar-columns.ts';
import type { MarketView } from './strategy.ts';

/**
 * The columnar MarketView a backtest or paper run advances bar by bar. `advance(symbolIndex)` reveals the next
 * bar of a symbol once it closed; nothing beyond the revealed bars can be read.
 */
export class MarketCursor implements MarketView {
  now = Number.NEGATIVE_INFINITY;
  readonly symbols: readonly string[];
  /** Bars revealed per symbol. */
  readonly seen: Int32Array;
  private readonly columns: BarColumns;
  private readonly index: Map<string, number>;

  constructor(columns: BarColumns) {
    this.columns = columns;
    this.symbols = columns.symbols;
    this.seen = new Int32Array(columns.symbols.length);
    this.index = new Map(columns.symbols.map((s, i) => [s, i]));
  }

  /** Reveals the next bar of a symbol; returns its row. */
  advance(symbolIndex: number): number {
    return this.columns.symbolStart[symbolIndex]! + this.seen[symbolIndex]!++;
  }

  indexOf(symbol: string): number {
    return this.index.get(symbol) ?? -1;
  }

  barCount(symbolIndex: number): number {
    return this.seen[symbolIndex] ?? 0;
  }

  /** Row of the bar `barsAgo` back, or -1 when it is not revealed (future, negative, or before the first). */
  row(symbolIndex: number, barsAgo: number): number {
    const seen = this.seen[symbolIndex];
    if (seen === undefined || !(barsAgo >= 0) || barsAgo >= seen || !Number.isInteger(barsAgo)) return -1;
    return this.columns.symbolStart[symbolIndex]! + seen - 1 - barsAgo;
  }

  close(symbolIndex: number, barsAgo = 0): number {
    const r = this.row(symbolIndex, barsAgo);
    return r < 0 ? Number.NaN : this.columns.close[r]!;
  }
  open(symbolIndex: number, barsAgo = 0): number {
    const r = this.row(symbolIndex, barsAgo);
    return r < 0 ? Number.NaN : this.columns.open[r]!;
  }
  high(symbolIndex: number, barsAgo = 0): number {
    const r = this.row(symbolIndex, barsAgo);
    return r < 0 ? Number.NaN : this.columns.high[r]!;
  }
  low(symbolIndex: number, barsAgo = 0): number {
    const r = this.row(symbolIndex, barsAgo);
    return r < 0 ? Number.NaN : this.columns.low[r]!;
  }
  volume(symbolIndex: number, barsAgo = 0): number {
    const r = this.row(symbolIndex, barsAgo);
    return r < 0 ? Number.NaN : this.columns.volume[r]!;
  }
  startAt(symbolIndex: number, barsAgo = 0): number {
    const r = this.row(symbolIndex, barsAgo);
    return r < 0 ? Number.NaN : this.columns.startAt[r]!;
  }
  endAt(symbolIndex: number, barsAgo = 0): number {
    const r = this.row(symbolIndex, barsAgo);
    return r < 0 ? Number.NaN : this.columns.endAt[r]!;
  }

  closesSince(symbolIndex: number, fromMs: number): Float64Array {
    const seen = this.seen[symbolIndex] ?? 0;
    if (seen === 0) return new Float64Array(0);
    const first = this.columns.symbolStart[symbolIndex]!;
    const end = first + seen;
    let start = end;
    while (start > first && this.columns.endAt[start - 1]! > fromMs) start--;
    return this.columns.close.slice(start, end);
  }

  lastCloses(symbolIndex: number, count: number): Float64Array {
    const seen = this.seen[symbolIndex] ?? 0;
    const first = this.columns.symbolStart[symbolIndex] ?? 0;
    const take = Math.max(0, Math.min(seen, Math.floor(count)));
    return this.columns.close.slice(first + seen - take, first + seen);
  }
}
