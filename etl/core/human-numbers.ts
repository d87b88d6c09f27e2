/** Counts and durations as people read them, for progress lines and reports. */

const int = new Intl.NumberFormat('en-US');

/** 42s, 3m05s, 2h10m. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** 1,234,567. */
export function formatInt(n: number): string {
  return int.format(n);
}
