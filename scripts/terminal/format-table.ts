/** Plain-text tables for the terminal, and a window's series as people read it. */

/** Decimals a number needs to print as it is (at most 4). */
function decimalsOf(value: number): number {
  const text = String(value);
  const dot = text.indexOf('.');
  return dot < 0 || /e/i.test(text) ? 0 : Math.min(4, text.length - dot - 1);
}

export type TableCell = string | number | null;

export interface TableOptions {
  /** A line of dashes under the header. Default false. */
  rule?: boolean;
  /** A last line `(N rows)`. Default false. */
  rowCount?: boolean;
}

/**
 * Renders rows as a text table: text left-aligned, numbers right-aligned with thousands separators, every number
 * of a column with the same decimals (as many as its most precise value needs, at most 4); null prints as NULL.
 */
export function formatTable(
  header: string[],
  rows: ReadonlyArray<ReadonlyArray<TableCell>>,
  options: TableOptions = {},
): string {
  const formats = header.map((_, i) => {
    const decimals = rows.reduce((d, r) => {
      const c = r[i];
      return typeof c === 'number' ? Math.max(d, decimalsOf(c)) : d;
    }, -1);
    // why: a column without a number needs no formatter; the first Intl formatter of a process costs ~10 ms (ICU
    // data), and `mqs sql` prints its values as text.
    if (decimals < 0) return undefined;
    return new Intl.NumberFormat('en-US', {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
  });
  const cells = [
    header,
    ...rows.map((r) =>
      header.map((_, i) => {
        const c = r[i];
        return typeof c === 'number' ? formats[i]!.format(c) : c === null ? 'NULL' : (c ?? '');
      }),
    ),
  ];
  // why: a loop, not Math.max(...rows): spreading a long table overflows the call stack.
  const widths = header.map((_, i) => cells.reduce((w, r) => Math.max(w, r[i]!.length), 0));
  const lines = cells.map((r, ri) =>
    r
      .map((text, i) => {
        const numeric = ri > 0 && typeof rows[ri - 1]![i] === 'number';
        return numeric ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd(),
  );
  if (options.rule) lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  if (options.rowCount) lines.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return lines.join('\n');
}

/** `bars AAPL 1min`, `eod_bars AAPL`: a window's series as people read it (daily datasets have no interval). */
export function seriesOf(w: { dataset: string; symbol: string; interval: string }): string {
  return w.interval ? `${w.dataset} ${w.symbol} ${w.interval}` : `${w.dataset} ${w.symbol}`;
}
