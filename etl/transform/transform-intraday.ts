/**
 * Validated FMP intraday columns (newest first, New York wall clock) → one ascending, UTC, de-duplicated Arrow
 * batch, plus the rows that failed validation (quarantined with a reason) and a truncation verdict.
 */
import { type Session, sessionOn } from '../core/calendar.ts';
import { barEndAt, type IntradayInterval } from '../core/intervals.ts';
import {
  formatDayNumber,
  type IsoDate,
  MS_PER_DAY,
  MS_PER_HOUR,
  nyOffsetHoursAtWall,
  nyWallMsToUtcMs,
  utcMsToFmpDateTime,
} from '../core/time.ts';
import type { FmpIntradayColumns } from '../extract/fmp-types.ts';
import { type BarBatch, makeBarBatch } from './bar-batch-schema.ts';

/** One requested intraday window: New York dates, both inclusive. */
export interface IntradayWindow {
  symbol: string;
  interval: IntradayInterval;
  from: IsoDate;
  to: IsoDate;
}

/** A bar that failed validation; stored in the `quarantine` table with its window, never dropped silently. */
export interface QuarantinedBar {
  /** FMP's label as sent (New York wall time `YYYY-MM-DD HH:MM:SS`), or the raw number when unreadable. */
  label: string;
  reason: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface IntradayTransform {
  window: IntradayWindow;
  /** Valid bars, ascending by bar_start_at, one per start. */
  batch: BarBatch;
  quarantined: QuarantinedBar[];
  /** Exact duplicates (same start, same values) removed. */
  duplicatesDropped: number;
}

export interface TransformOptions {
  /** Lineage written into every row. */
  loadId: number;
}

const MS_PER_US = 1000;
// why: DST switches happen at 02:00 New York; a wall time at or after 03:00 has the same offset as noon that day.
const SAFE_WALL_OF_DAY_MS = 3 * MS_PER_HOUR;

function wallLabel(wallMs: number): string {
  if (!Number.isFinite(wallMs)) return String(wallMs);
  const iso = new Date(wallMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

function ascendingOrder(wallMs: Float64Array, n: number): Int32Array {
  const order = new Int32Array(n);
  let sorted = true;
  for (let k = 0; k < n; k++) {
    order[k] = n - 1 - k;
    if (k > 0 && !(wallMs[order[k]!]! >= wallMs[order[k - 1]!]!)) sorted = false;
  }
  if (!sorted) order.sort((a, b) => wallMs[a]! - wallMs[b]! || 0 || b - a);
  return order;
}

function ohlcvProblem(o: number, h: number, l: number, c: number, v: number): string | undefined {
  if (!(Number.isFinite(o) && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(c)))
    return 'price is not a finite number';
  if (!(o > 0 && h > 0 && l > 0 && c > 0)) return 'price is not positive';
  if (h < o || h < c || h < l) return 'high is below open, close or low';
  if (l > o || l > c) return 'low is above open or close';
  if (!(Number.isFinite(v) && v >= 0)) return 'volume is negative or not a finite number';
  return undefined;
}

/**
 * Converts one window's columns. Each row's FMP label (bar start, New York wall) becomes bar_start_at (UTC);
 * bar_end_at comes from the interval grid and the session (early closes included); session_date is the New York
 * date. Rows outside the window, on non-session days, with bad prices or conflicting duplicates are quarantined.
 * Volumes are rounded to whole shares.
 */
export function transformIntraday(
  window: IntradayWindow,
  columns: FmpIntradayColumns,
  options: TransformOptions,
): IntradayTransform {
  const n = columns.length;
  const { wallMs, open, high, low, close, volume } = columns;
  const order = ascendingOrder(wallMs, n);
  const startUs = new BigInt64Array(n);
  const endUs = new BigInt64Array(n);
  const start32 = new Uint32Array(startUs.buffer);
  const end32 = new Uint32Array(endUs.buffer);
  const sessionDate = new Int32Array(n);
  const o = new Float64Array(n);
  const h = new Float64Array(n);
  const l = new Float64Array(n);
  const c = new Float64Array(n);
  const vol = new BigInt64Array(n);
  const vol32 = new Uint32Array(vol.buffer);
  const quarantined: QuarantinedBar[] = [];
  let kept = 0;
  let duplicatesDropped = 0;
  let currentDay = Number.NaN;
  let session: Session | undefined;
  let dayProblem: string | undefined;
  let dayOffsetMs = 0;
  let previousStartMs = Number.NaN;

  const setI64 = (u32: Uint32Array, i: number, v: number) => {
    const hi = Math.floor(v / 4294967296);
    u32[2 * i] = v - hi * 4294967296;
    u32[2 * i + 1] = hi;
  };

  // why: no object or closure per row in this loop (it runs for every bar of a backfill).
  const quarantine = (i: number, reason: string) =>
    quarantined.push({
      label: wallLabel(wallMs[i]!),
      reason,
      open: open[i]!,
      high: high[i]!,
      low: low[i]!,
      close: close[i]!,
      volume: volume[i]!,
    });

  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const wall = wallMs[i]!;
    if (!Number.isFinite(wall)) {
      quarantine(i, 'bar time is not a valid date-time');
      continue;
    }
    const day = Math.floor(wall / MS_PER_DAY);
    if (day !== currentDay) {
      currentDay = day;
      const date = formatDayNumber(day);
      session = undefined;
      dayProblem = undefined;
      if (date < window.from || date > window.to) {
        dayProblem = `bar on ${date} is outside the window ${window.from}..${window.to}`;
      } else {
        try {
          session = sessionOn(date);
          if (!session) dayProblem = `${date} is not a trading session (weekend or exchange holiday)`;
          dayOffsetMs = nyOffsetHoursAtWall(day * MS_PER_DAY + 12 * MS_PER_HOUR) * MS_PER_HOUR;
        } catch (error) {
          dayProblem = (error as Error).message;
        }
      }
    }
    if (dayProblem || !session) {
      quarantine(i, dayProblem ?? 'no session');
      continue;
    }
    const bo = open[i]!;
    const bh = high[i]!;
    const bl = low[i]!;
    const bc = close[i]!;
    const bv = volume[i]!;
    const problem = ohlcvProblem(bo, bh, bl, bc, bv);
    if (problem) {
      quarantine(i, problem);
      continue;
    }
    const wallOfDay = wall - day * MS_PER_DAY;
    const startMs = wallOfDay >= SAFE_WALL_OF_DAY_MS ? wall + dayOffsetMs : nyWallMsToUtcMs(wall);
    const shares = Math.round(bv);
    if (startMs === previousStartMs) {
      const j = kept - 1;
      const same = o[j] === bo && h[j] === bh && l[j] === bl && c[j] === bc && Number(vol[j]) === shares;
      if (same) duplicatesDropped++;
      else quarantine(i, `conflicting duplicate of the bar at ${utcMsToFmpDateTime(startMs)}`);
      continue;
    }
    previousStartMs = startMs;
    setI64(start32, kept, startMs * MS_PER_US);
    setI64(end32, kept, barEndAt(startMs, window.interval, session) * MS_PER_US);
    sessionDate[kept] = day;
    o[kept] = bo;
    h[kept] = bh;
    l[kept] = bl;
    c[kept] = bc;
    setI64(vol32, kept, shares);
    kept++;
  }

  const loadIds = new BigInt64Array(kept);
  loadIds.fill(BigInt(options.loadId));
  const batch = makeBarBatch({
    length: kept,
    symbol: window.symbol,
    interval: window.interval,
    barStartAt: startUs.subarray(0, kept),
    barEndAt: endUs.subarray(0, kept),
    sessionDate: sessionDate.subarray(0, kept),
    open: o.subarray(0, kept),
    high: h.subarray(0, kept),
    low: l.subarray(0, kept),
    close: c.subarray(0, kept),
    volume: vol.subarray(0, kept),
    loadId: loadIds,
  });
  return {
    window,
    batch,
    quarantined,
    duplicatesDropped,
  };
}
