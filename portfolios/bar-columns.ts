import { MS_PER_DAY } from '../etl/core/time.ts';

/** A bar's times and values, one column each; the interfaces that extend it say the rows' order. */
export interface BarValueColumns {
  startAt: Float64Array;
  endAt: Float64Array;
  /** New York session date as days since 1970-01-01. */
  sessionDay: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * Bars of a universe in columnar form, laid out symbol by symbol (each symbol's bars contiguous, in time order),
 * plus the event order in which a backtest replays them: bar-close order (bar_end_at, then symbol).
 * All instants are UTC epoch ms; prices are split-adjusted (the marts' adj_* columns).
 */
export interface BarColumns extends BarValueColumns {
  /** Symbols by index, sorted. */
  symbols: readonly string[];
  /** First row of each symbol; `symbolStart[symbols.length]` is the row count. */
  symbolStart: Int32Array;
  /** Replay order: the k-th bar to close is row `eventRow[k]` of symbol `eventSymbol[k]`. */
  eventRow: Int32Array;
  eventSymbol: Int32Array;
}

/** One bar as plain values, for building small columns by hand (tests, paper runs). */
export interface BarInput {
  symbol: string;
  startAt: number;
  endAt: number;
  /** `YYYY-MM-DD` New York session date. */
  sessionDate: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Growable columns in bar-close order, as they come from the warehouse. */
export interface BarColumnsInCloseOrder extends BarValueColumns {
  symbols: readonly string[];
  length: number;
  symbolIndex: Int32Array;
}

export function allocateCloseOrderColumns(
  symbols: readonly string[],
  length: number,
): BarColumnsInCloseOrder {
  return {
    symbols,
    length,
    symbolIndex: new Int32Array(length),
    startAt: new Float64Array(length),
    endAt: new Float64Array(length),
    sessionDay: new Int32Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}

/**
 * Rearranges columns that arrive in bar-close order (ORDER BY bar_end_at, symbol) into the per-symbol layout,
 * in one counting pass (no sort): O(n).
 * Throws when the input is not in bar-close order.
 */
export function toBarColumns(input: BarColumnsInCloseOrder): BarColumns {
  const n = input.length;
  const symbolCount = input.symbols.length;
  const symbolStart = new Int32Array(symbolCount + 1);
  for (let i = 0; i < n; i++) symbolStart[input.symbolIndex[i]! + 1]!++;
  for (let s = 0; s < symbolCount; s++) symbolStart[s + 1]! += symbolStart[s]!;
  const fill = symbolStart.slice(0, symbolCount);
  const out: BarColumns = {
    symbols: input.symbols,
    symbolStart,
    startAt: new Float64Array(n),
    endAt: new Float64Array(n),
    sessionDay: new Int32Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    eventRow: new Int32Array(n),
    eventSymbol: new Int32Array(n),
  };
  let previousEnd = -Infinity;
  for (let i = 0; i < n; i++) {
    const end = input.endAt[i]!;
    if (end < previousEnd) {
      throw new RangeError(`bars are not in bar-close order at row ${i}: bar_end_at ${end} < ${previousEnd}`);
    }
    previousEnd = end;
    const s = input.symbolIndex[i]!;
    const row = fill[s]!++;
    out.startAt[row] = input.startAt[i]!;
    out.endAt[row] = end;
    out.sessionDay[row] = input.sessionDay[i]!;
    out.open[row] = input.open[i]!;
    out.high[row] = input.high[i]!;
    out.low[row] = input.low[i]!;
    out.close[row] = input.close[i]!;
    out.volume[row] = input.volume[i]!;
    out.eventRow[i] = row;
    out.eventSymbol[i] = s;
  }
  return out;
}

/** Builds columns from plain bars in any order (sorted here by bar_end_at, then symbol). */
export function barColumnsFromBars(bars: readonly BarInput[]): BarColumns {
  const symbols = [...new Set(bars.map((b) => b.symbol))].sort();
  const index = new Map(symbols.map((s, i) => [s, i]));
  const sorted = [...bars].sort(
    (a, b) => a.endAt - b.endAt || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0),
  );
  const cols = allocateCloseOrderColumns(symbols, sorted.length);
  sorted.forEach((b, i) => {
    cols.symbolIndex[i] = index.get(b.symbol)!;
    cols.startAt[i] = b.startAt;
    cols.endAt[i] = b.endAt;
    cols.sessionDay[i] = Date.parse(`${b.sessionDate}T00:00:00Z`) / MS_PER_DAY;
    cols.open[i] = b.open;
    cols.high[i] = b.high;
    cols.low[i] = b.low;
    cols.close[i] = b.close;
    cols.volume[i] = b.volume;
  });
  return toBarColumns(cols);
}
