/**
 * End-of-day bars and splits of the simulated market. Daily bars are the regular-session aggregates of the same
 * one-minute bars the intraday routes serve (`sim-daily-summary.ts`), so the two always agree. Dividends are in
 * `sim-dividends.ts`, quotes in `sim-quote.ts`.
 */
import { type IsoDate, nyDateOf } from '../core/time.ts';
import { dailySummary } from './sim-daily-summary.ts';
import { dividendFactors } from './sim-dividends.ts';
import { round2, roundTo } from './sim-intraday.ts';
import { simSessions } from './sim-sessions.ts';
import {
  adjustedSplitFactor,
  rawSplitFactor,
  type SimSplit,
  splitsAsOf,
  symbolProfile,
} from './sim-symbols.ts';

/** Which price basis an EOD series uses. */
export type SimEodAdjustment = 'split' | 'none' | 'dividend';

export interface SimEodOptions {
  seed?: number;
  /** `split` (default, `full` and `light`), `none` (`non-split-adjusted`), `dividend` (`dividend-adjusted`). */
  adjustment?: SimEodAdjustment;
  /** Splits and dividends on or before this New York date apply. Default: the date of `nowMs`. */
  asOf?: IsoDate;
  /** Only sessions that closed by this instant (UTC ms) have a bar. Default `Date.now()`. */
  nowMs?: number;
  /** Keep at most this many of the newest rows. Default unlimited. */
  rowCap?: number;
}

export interface SimEodBar {
  symbol: string;
  date: IsoDate;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** close − open. */
  change: number;
  /** change / open × 100 (percent). */
  changePercent: number;
  /** (open + high + low + close) / 4, as FMP's recorded `full` rows. */
  vwap: number;
}

/** Index range [first, last] of sessions in [from, to] that closed by nowMs. */
function closedSessionRange(from: IsoDate, to: IsoDate, nowMs: number): [number, number] {
  const index = simSessions();
  if (from > to) return [0, -1];
  const first = index.firstOnOrAfter(from);
  let last = index.lastOnOrBefore(to);
  while (last >= first && index.sessions[last].closeAt > nowMs) last--;
  return [first, last];
}

/** Daily bars from `from` to `to` (inclusive New York dates), ascending. */
export function simEodBars(
  symbol: string,
  from: IsoDate,
  to: IsoDate,
  options: SimEodOptions = {},
): SimEodBar[] {
  const seed = options.seed ?? 1;
  const profile = symbolProfile(symbol, seed);
  const nowMs = options.nowMs ?? Date.now();
  const asOf = options.asOf ?? nyDateOf(nowMs);
  const adjustment = options.adjustment ?? 'split';
  const [first, last] = closedSessionRange(from, to, nowMs);
  const sessions = simSessions().sessions;
  const dividendFactor = adjustment === 'dividend' ? dividendFactors(symbol, seed, asOf) : undefined;
  const rows: SimEodBar[] = [];
  const cap = options.rowCap ?? Number.POSITIVE_INFINITY;
  for (let i = last; i >= first && rows.length < cap; i--) {
    const d = dailySummary(profile, i);
    if (!d) continue;
    const date = sessions[i].date;
    const rawFactor = rawSplitFactor(profile, date);
    let factor = adjustment === 'none' ? rawFactor : adjustedSplitFactor(profile, date, asOf);
    if (dividendFactor) factor *= dividendFactor(date);
    const open = round2(d.open * factor);
    const high = round2(d.high * factor);
    const low = round2(d.low * factor);
    const close = round2(d.close * factor);
    const rawVolume = d.volume;
    const volume =
      adjustment === 'none'
        ? rawVolume
        : Math.round((rawVolume * rawFactor) / adjustedSplitFactor(profile, date, asOf));
    const change = roundTo(close - open, 4);
    rows.push({
      symbol,
      date,
      open,
      high,
      low,
      close,
      volume,
      change,
      changePercent: roundTo((change / open) * 100, 5),
      vwap: roundTo((open + high + low + close) / 4, 4),
    });
  }
  return rows.reverse();
}

export interface SimSplitRow extends SimSplit {
  symbol: string;
}

/** Splits that happened by `asOf` (default today, New York), ascending. */
export function simSplits(symbol: string, options: { seed?: number; asOf?: IsoDate } = {}): SimSplitRow[] {
  const profile = symbolProfile(symbol, options.seed ?? 1);
  return splitsAsOf(profile, options.asOf ?? nyDateOf(Date.now())).map((s) => ({ symbol, ...s }));
}
