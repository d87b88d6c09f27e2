/**
 * Intraday bars as the simulator serves them: aggregated from the one-minute bars on FMP's grid, in the served
 * price basis (split-adjusted as of a date, or raw), prices rounded to cents, only bars that have ended.
 */
import type { IntradayInterval } from '../core/intervals.ts';
import { type IsoDate, MS_PER_MINUTE, nyDateOf } from '../core/time.ts';
import { bucketOf, type MinuteSegment, type OhlcvColumns, OPEN_MINUTE, sessionDay } from './sim-minutes.ts';
import { simSessions } from './sim-sessions.ts';
import { adjustedSplitFactor, rawSplitFactor, type SimSymbolProfile, symbolProfile } from './sim-symbols.ts';

/** Ascending intraday bars as columns: prices in USD rounded to cents, volumes in shares (integers). */
export interface SimBarColumns extends OhlcvColumns {
  length: number;
  /** Index of the bar's session in `simSessions().sessions`. */
  sessionIndex: Uint16Array;
  /** Bar start as minute of the New York day (570 = 09:30). */
  minute: Uint16Array;
}

export interface SimIntradayOptions {
  /** Data seed. Default 1. */
  seed?: number;
  /** Add pre-market (from 04:00) and post-market (240 minutes after the close) bars. Default false. */
  extended?: boolean;
  /** Raw prices and volumes instead of split-adjusted ones. Default false. */
  nonadjusted?: boolean;
  /** Split adjustment applies the splits on or before this New York date. Default: the date of `nowMs`. */
  asOf?: IsoDate;
  /** Only bars that ended by this instant (UTC ms) exist. Default `Date.now()`. */
  nowMs?: number;
  /** Keep at most this many of the newest bars. Default unlimited. */
  rowCap?: number;
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** x rounded to `digits` decimals. */
export const roundTo = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Per-day aggregation: generated-basis prices (unrounded), raw volumes (whole shares). */
interface DayBars extends MinuteSegment {
  sessionIndex: number;
}

/**
 * open, high, low, close and volume columns of `n` rows as views of one buffer.
 * why: one allocation instead of five per day and per response keeps the garbage collector out of the cold path.
 */
function float64Columns(n: number): Pick<SimBarColumns, 'open' | 'high' | 'low' | 'close' | 'volume'> {
  const all = new Float64Array(5 * n);
  return {
    open: all.subarray(0, n),
    high: all.subarray(n, 2 * n),
    low: all.subarray(2 * n, 3 * n),
    close: all.subarray(3 * n, 4 * n),
    volume: all.subarray(4 * n, 5 * n),
  };
}

function segmentsOf(day: ReturnType<typeof sessionDay>, extended: boolean): MinuteSegment[] {
  return extended ? [day.pre!, day.rth, day.post!] : [day.rth];
}

function aggregateDay(
  profile: SimSymbolProfile,
  sessionIndex: number,
  interval: IntradayInterval,
  extended: boolean,
  endLimitMinute: number,
  rawFactor: number,
): DayBars {
  const session = simSessions().sessions[sessionIndex];
  const closeMinute = OPEN_MINUTE + Math.round((session.closeAt - session.openAt) / MS_PER_MINUTE);
  const segments = segmentsOf(sessionDay(profile, sessionIndex, extended), extended);
  let total = 0;
  for (const seg of segments) total += seg.count;
  const out: DayBars = {
    sessionIndex,
    count: 0,
    ...float64Columns(total),
    minute: new Uint16Array(total),
  };
  let n = -1;
  let bucketStart = -1;
  let bucketEnd = -1;
  for (const seg of segments) {
    for (let k = 0; k < seg.count; k++) {
      const m = seg.minute[k];
      if (interval === '1min') {
        if (m + 1 > endLimitMinute) break;
        n++;
        out.minute[n] = m;
        out.open[n] = seg.open[k];
        out.high[n] = seg.high[k];
        out.low[n] = seg.low[k];
        out.close[n] = seg.close[k];
        out.volume[n] = rawShares(seg.volume[k], rawFactor);
        continue;
      }
      if (m >= bucketEnd) {
        const [start, end] = bucketOf(m, interval, closeMinute);
        // why: a bar exists only once it has ended; later minutes of the day cannot end sooner.
        if (end > endLimitMinute) break;
        bucketStart = start;
        bucketEnd = end;
        n++;
        out.minute[n] = bucketStart;
        out.open[n] = seg.open[k];
        out.high[n] = seg.high[k];
        out.low[n] = seg.low[k];
        out.volume[n] = 0;
      }
      if (seg.high[k] > out.high[n]) out.high[n] = seg.high[k];
      if (seg.low[k] < out.low[n]) out.low[n] = seg.low[k];
      out.close[n] = seg.close[k];
      out.volume[n] += rawShares(seg.volume[k], rawFactor);
    }
  }
  out.count = n + 1;
  return out;
}

/**
 * Whole raw shares of a minute: its generated volume on the raw basis of its session.
 * why: raw minutes are the unit; higher intervals and daily bars sum them, so they always add up.
 */
export function rawShares(generatedVolume: number, rawFactor: number): number {
  return Math.max(1, Math.round(generatedVolume / rawFactor));
}

/** Minute of the New York day up to which bars of a session have ended by `nowMs` (Infinity for past days). */
function endLimitMinuteOf(sessionIndex: number, nowMs: number): number {
  const session = simSessions().sessions[sessionIndex];
  // why: New York's offset is constant from 04:00 to 20:00 on a trading day (DST switches on Sundays at 02:00).
  const midnightAt = session.openAt - OPEN_MINUTE * MS_PER_MINUTE;
  const limit = Math.floor((nowMs - midnightAt) / MS_PER_MINUTE);
  return limit >= 24 * 60 ? Number.POSITIVE_INFINITY : limit;
}

/**
 * Intraday bars of a symbol from `from` to `to` (New York dates, inclusive), ascending, in the served basis.
 * The same data the server sends (newest first there).
 */
export function simIntradayColumns(
  symbol: string,
  interval: IntradayInterval,
  from: IsoDate,
  to: IsoDate,
  options: SimIntradayOptions = {},
): SimBarColumns {
  const profile = symbolProfile(symbol, options.seed ?? 1);
  const nowMs = options.nowMs ?? Date.now();
  const asOf = options.asOf ?? nyDateOf(nowMs);
  const extended = options.extended ?? false;
  const nonadjusted = options.nonadjusted ?? false;
  const rowCap = options.rowCap ?? Number.POSITIVE_INFINITY;
  const index = simSessions();
  const days: DayBars[] = [];
  let total = 0;
  if (from <= to) {
    const first = index.firstOnOrAfter(from);
    const last = index.lastOnOrBefore(to);
    for (let i = last; i >= first && total < rowCap; i--) {
      const limit = endLimitMinuteOf(i, nowMs);
      if (limit <= 0) continue;
      const rawFactor = rawSplitFactor(profile, index.sessions[i].date);
      const day = aggregateDay(profile, i, interval, extended, limit, rawFactor);
      if (day.count === 0) continue;
      days.push(day);
      total += day.count;
    }
  }
  const length = Math.min(total, rowCap);
  const out: SimBarColumns = {
    length,
    ...float64Columns(length),
    sessionIndex: new Uint16Array(length),
    minute: new Uint16Array(length),
  };
  let skip = total - length;
  let w = 0;
  for (let d = days.length - 1; d >= 0; d--) {
    const day = days[d];
    const date = index.sessions[day.sessionIndex].date;
    const rawFactor = rawSplitFactor(profile, date);
    const priceFactor = nonadjusted ? rawFactor : adjustedSplitFactor(profile, date, asOf);
    const volumeRescale = rawFactor / priceFactor;
    for (let k = 0; k < day.count; k++) {
      if (skip > 0) {
        skip--;
        continue;
      }
      out.sessionIndex[w] = day.sessionIndex;
      out.minute[w] = day.minute[k];
      out.open[w] = round2(day.open[k] * priceFactor);
      out.high[w] = round2(day.high[k] * priceFactor);
      out.low[w] = round2(day.low[k] * priceFactor);
      out.close[w] = round2(day.close[k] * priceFactor);
      // why: adjusted volume is raw × the split ratios since (exact for forward splits).
      const raw = day.volume[k];
      out.volume[w] = volumeRescale === 1 ? raw : Math.round(raw * volumeRescale);
      w++;
    }
  }
  return out;
}

/** `HH:MM:00` of every minute of the day. */
export const MINUTE_LABELS: readonly string[] = Array.from(
  { length: 24 * 60 },
  (_, m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00`,
);

/** FMP's label of a bar start: `YYYY-MM-DD HH:MM:SS`, New York wall time. */
export function barLabel(sessionDate: IsoDate, minute: number): string {
  return `${sessionDate} ${MINUTE_LABELS[minute]}`;
}

export interface SimIntradayBar {
  /** Bar start, `YYYY-MM-DD HH:MM:SS` New York wall time. */
  date: string;
  open: number;
  low: number;
  high: number;
  close: number;
  volume: number;
}

/** Like `simIntradayColumns`, as FMP-shaped objects (ascending). */
export function simIntradayBars(
  symbol: string,
  interval: IntradayInterval,
  from: IsoDate,
  to: IsoDate,
  options: SimIntradayOptions = {},
): SimIntradayBar[] {
  const c = simIntradayColumns(symbol, interval, from, to, options);
  const sessions = simSessions().sessions;
  const rows: SimIntradayBar[] = new Array(c.length);
  for (let i = 0; i < c.length; i++) {
    rows[i] = {
      date: barLabel(sessions[c.sessionIndex[i]].date, c.minute[i]),
      open: c.open[i],
      low: c.low[i],
      high: c.high[i],
      close: c.close[i],
      volume: c.volume[i],
    };
  }
  return rows;
}
