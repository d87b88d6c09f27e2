/** Plain-text tables and durations for the terminal. */

const int = new Intl.NumberFormat('en-US');

/** Decimals a number needs to print as it is (at most 4). */
function decimalsOf(value: number): number {
  const text = String(value);
  const dot = text.indexOf('.');
  return dot < 0 || /e/i.test(text) ? 0 : Math.min(4, text.length - dot - 1);
}

/**
 * Renders rows as a text table: text left-aligned, numbers right-aligned with thousands separators, every number
 * of a column with the same decimals (as many as its most precise value needs, at most 4).
 */
export function formatTable(header: string[], rows: Array<Array<string | number>>): string {
  const formats = header.map((_, i) => {
    const decimals = Math.max(0, ...rows.map((r) => (typeof r[i] === 'number' ? decimalsOf(r[i]) : 0)));
    return new Intl.NumberFormat('en-US', {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
  });
  const cells = [
    header,
    ...rows.map((r) => r.map((c, i) => (typeof c === 'number' ? formats[i]!.format(c) : c))),
  ];
  // why: a loop, not Math.max(...rows): spreading a long table overflows the call stack.
  const widths = header.map((_, i) => cells.reduce((w, r) => Math.max(w, String(r[i] ?? '').length), 0));
  return cells
    .map((r, ri) =>
      r
        .map((c, i) => {
          const text = String(c ?? '');
          const numeric = ri > 0 && typeof rows[ri - 1]![i] === 'number';
          return numeric ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** 42s, 3m05s, 2h10m. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatInt(n: number): string {
  return int.format(n);
}
