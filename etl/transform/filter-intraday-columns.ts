import type { FmpIntradayColumns } from '../extract/fmp-types.ts';

/**
 * The rows of intraday columns whose New York wall-clock label passes `keep`, in their order; the same object
 * when every row passes.
 */
export function filterIntradayColumns(
  columns: FmpIntradayColumns,
  keep: (wallMs: number) => boolean,
): FmpIntradayColumns {
  const rows: number[] = [];
  for (let i = 0; i < columns.length; i++) if (keep(columns.wallMs[i]!)) rows.push(i);
  if (rows.length === columns.length) return columns;
  const pick = (a: Float64Array) => Float64Array.from(rows, (i) => a[i]!);
  return {
    length: rows.length,
    wallMs: pick(columns.wallMs),
    open: pick(columns.open),
    high: pick(columns.high),
    low: pick(columns.low),
    close: pick(columns.close),
    volume: pick(columns.volume),
  };
}
