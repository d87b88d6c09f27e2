/**
 * End-of-day bars, splits, dividends and quotes of the simulated market. Daily bars are the regular-session
 * aggregates of the same one-minute bars the intraday routes serve, so the two always agree.
 */
import { type IsoDate, MS_PER_DAY, nyDateOf, parseIsoDate } from '../core/time.ts';
import { round2 } from './sim-intraday.ts';
import { OPEN_MINUTE, regularMinutesUncached } from './sim-minutes.ts';
import { dailyPath } from './sim-price-path.ts';
import { hashString, uniformAt } from './sim-random.ts';
import { SIM_FIRST_DATE, SIM_LAST_DATE, simSessions } from './sim-sessions.ts';
import {
  adjustedSplitFactor,
  rawSplitFactor,
  type SimSplit,
  type SimSymbolProfile,
  simCompanyName,
  splitsAsOf,
  symbolProfile,
} from './sim-symbols.ts';

/** Regular-session aggregates per session, generated basis; NaN open = not computed yet. */
interface DailySummaries {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

const summaryCache = new Map<number, DailySummaries>();
const SUMMARY_CACHE_LIMIT = 2048;

function summaries(profile: SimSymbolProfile): DailySummaries {
  let s = summaryCache.get(profile.key);
  if (!s) {
    const n = simSessions().sessions.length;
    s = {
      open: new Float64Array(n).fill(Number.NaN),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      volume: new Float64Array(n),
    };
    if (summaryCache.size >= SUMMARY_CACHE_LIMIT)
      summaryCache.delete(summaryCache.keys().next().value as number);
    summaryCache.set(profile.key, s);
  }
  return s;
}

/** Fills the daily summary of session i (0 volume and NaN prices when a thin symbol missed the whole day). */
function ensureSummary(profile: SimSymbolProfile, s: DailySummaries, i: number): void {
  if (!Number.isNaN(s.open[i]) || s.volume[i] < 0) return;
  const seg = regularMinutesUncached(profile, i);
  if (seg.count === 0) {
    s.volume[i] = -1;
    return;
  }
  let high = seg.high[0];
  let low = seg.low[0];
  let volume = 0;
  for (let k = 0; k < seg.count; k++) {
    if (seg.high[k] > high) high = seg.high[k];
    if (seg.low[k] < low) low = seg.low[k];
    volume += seg.volume[k];
  }
  s.open[i] = seg.open[0];
  s.high[i] = high;
  s.low[i] = low;
  s.close[i] = seg.close[seg.count - 1];
  s.volume[i] = volume;
}

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

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function clampDate(date: IsoDate): IsoDate {
  return date < SIM_FIRST_DATE ? SIM_FIRST_DATE : date > SIM_LAST_DATE ? SIM_LAST_DATE : date;
}

/** Index range [first, last] of sessions in [from, to] that closed by nowMs. */
function closedSessionRange(from: IsoDate, to: IsoDate, nowMs: number): [number, number] {
  const index = simSessions();
  if (from > to) return [0, -1];
  const first = index.firstOnOrAfter(clampDate(from));
  let last = index.lastOnOrBefore(clampDate(to));
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
  const s = summaries(profile);
  const sessions = simSessions().sessions;
  const dividendFactor = adjustment === 'dividend' ? dividendFactors(symbol, seed, asOf) : undefined;
  const rows: SimEodBar[] = [];
  const cap = options.rowCap ?? Number.POSITIVE_INFINITY;
  for (let i = last; i >= first && rows.length < cap; i--) {
    ensureSummary(profile, s, i);
    if (s.volume[i] < 0) continue;
    const date = sessions[i].date;
    const rawFactor = rawSplitFactor(profile, date);
    let factor = adjustment === 'none' ? rawFactor : adjustedSplitFactor(profile, date, asOf);
    if (dividendFactor) factor *= dividendFactor(date);
    const open = round2(s.open[i] * factor);
    const high = round2(s.high[i] * factor);
    const low = round2(s.low[i] * factor);
    const close = round2(s.close[i] * factor);
    const rawVolume = Math.round(s.volume[i] / rawFactor);
    const volume =
      adjustment === 'none'
        ? rawVolume
        : Math.round((rawVolume * rawFactor) / adjustedSplitFactor(profile, date, asOf));
    const change = round(close - open, 4);
    rows.push({
      symbol,
      date,
      open,
      high,
      low,
      close,
      volume,
      change,
      changePercent: round((change / open) * 100, 5),
      vwap: round((open + high + low + close) / 4, 4),
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

export interface SimDividendRow {
  symbol: string;
  /** Ex-dividend date. */
  date: IsoDate;
  /** `""` when not known (as FMP sends it). */
  recordDate: IsoDate | '';
  paymentDate: IsoDate | '';
  declarationDate: IsoDate | '';
  /** Split-adjusted to the `asOf` basis. */
  adjDividend: number;
  /** USD per share as paid (raw basis). */
  dividend: number;
  /** Annualised dividend / previous close, percent. */
  yield: number;
  frequency: 'Quarterly';
}

const SETTLEMENT_T1_FROM = '2024-05-28';

function addCalendarDays(date: IsoDate, days: number): IsoDate {
  return new Date(((parseIsoDate(date) as number) + days) * MS_PER_DAY).toISOString().slice(0, 10);
}

interface DividendEvent {
  sessionIndex: number;
  date: IsoDate;
  declarationDate: IsoDate;
  recordDate: IsoDate;
  paymentDate: IsoDate;
  /** Raw-basis amount. */
  dividend: number;
  /** Raw previous close. */
  previousClose: number;
}

const dividendCache = new Map<number, DividendEvent[]>();

function dividendEvents(profile: SimSymbolProfile): DividendEvent[] {
  const schedule = profile.dividend;
  if (!schedule) return [];
  let events = dividendCache.get(profile.key);
  if (events) return events;
  events = [];
  const index = simSessions();
  const path = dailyPath(profile);
  const firstYear = Number(SIM_FIRST_DATE.slice(0, 4));
  const lastYear = Number(SIM_LAST_DATE.slice(0, 4));
  for (let year = firstYear; year <= lastYear; year++) {
    let amount = 0;
    for (let q = 0; q < 4; q++) {
      const month = schedule.monthOffset + 3 * q;
      const target = `${year}-${String(month).padStart(2, '0')}-${String(schedule.dayOfMonth).padStart(2, '0')}`;
      const i = index.firstOnOrAfter(target);
      if (i <= 0 || i >= index.sessions.length) continue;
      const date = index.sessions[i].date;
      const previousClose = path.close[i - 1] * rawSplitFactor(profile, index.sessions[i - 1].date);
      // why: companies hold the quarterly amount for a year; it is reset from the price at the first ex-date.
      if (q === 0 || amount === 0) amount = round((previousClose * schedule.annualYield) / 4, 4);
      events.push({
        sessionIndex: i,
        date,
        declarationDate: addCalendarDays(date, -21),
        recordDate:
          date >= SETTLEMENT_T1_FROM ? date : index.sessions[Math.min(i + 1, index.sessions.length - 1)].date,
        paymentDate: addCalendarDays(date, 14),
        dividend: amount,
        previousClose,
      });
    }
  }
  dividendCache.set(profile.key, events);
  return events;
}

/** Dividends declared by `asOf` (default today, New York), ascending by ex-date. */
export function simDividends(
  symbol: string,
  options: { seed?: number; asOf?: IsoDate } = {},
): SimDividendRow[] {
  const profile = symbolProfile(symbol, options.seed ?? 1);
  const asOf = options.asOf ?? nyDateOf(Date.now());
  return dividendEvents(profile)
    .filter((e) => e.declarationDate <= asOf)
    .map((e) => {
      const splitRatio = rawSplitFactor(profile, e.date) / adjustedSplitFactor(profile, e.date, asOf);
      // why: FMP sends "" for unknown dates; older records of some payers miss their declaration date.
      const undeclared = e.date < '2017-01-01' && uniformAt(profile.key, hashString(e.date)) < 0.5;
      return {
        symbol,
        date: e.date,
        recordDate: e.recordDate,
        paymentDate: e.paymentDate,
        declarationDate: undeclared ? '' : e.declarationDate,
        adjDividend: round(e.dividend / splitRatio, 6),
        dividend: e.dividend,
        yield: round(((e.dividend * 4) / e.previousClose) * 100, 5),
        frequency: 'Quarterly' as const,
      };
    });
}

/** Dividend adjustment of a session: Π (1 − dividend / previous close) over later ex-dates on or before `asOf`. */
function dividendFactors(symbol: string, seed: number, asOf: IsoDate): (date: IsoDate) => number {
  const events = dividendEvents(symbolProfile(symbol, seed)).filter((e) => e.date <= asOf);
  return (date) => {
    let factor = 1;
    for (const e of events) if (e.date > date) factor *= 1 - e.dividend / e.previousClose;
    return factor;
  };
}

export interface SimQuote {
  symbol: string;
  name: string;
  price: number;
  changePercentage: number;
  change: number;
  volume: number;
  dayLow: number;
  dayHigh: number;
  yearHigh: number;
  yearLow: number;
  marketCap: number;
  priceAvg50: number;
  priceAvg200: number;
  exchange: string;
  open: number;
  previousClose: number;
  /** Unix seconds of the last trade reported. */
  timestamp: number;
}

/**
 * The quote at `nowMs`: during regular hours the last ended minute of the session; outside them frozen at the
 * last session's close (timestamp = that close).
 */
export function simQuote(symbol: string, nowMs: number, seed = 1): SimQuote | undefined {
  const profile = symbolProfile(symbol, seed);
  const index = simSessions();
  const asOf = nyDateOf(nowMs);
  let i = index.lastOnOrBefore(asOf);
  let live = false;
  if (i >= 0 && index.sessions[i].date === asOf && nowMs < index.sessions[i].closeAt) {
    if (nowMs >= index.sessions[i].openAt + 60_000) live = true;
    else i--;
  }
  if (i < 1) return undefined;
  const s = summaries(profile);
  const factorOf = (j: number) => adjustedSplitFactor(profile, index.sessions[j].date, asOf);
  const f = factorOf(i);
  let price: number;
  let dayHigh: number;
  let dayLow: number;
  let open: number;
  let volume: number;
  let timestamp: number;
  if (live) {
    const seg = regularMinutesUncached(profile, i);
    const minutesEnded = Math.floor((nowMs - index.sessions[i].openAt) / 60_000);
    let n = 0;
    while (n < seg.count && seg.minute[n] - OPEN_MINUTE < minutesEnded) n++;
    if (n === 0) return undefined;
    price = seg.close[n - 1];
    open = seg.open[0];
    dayHigh = seg.high[0];
    dayLow = seg.low[0];
    volume = 0;
    for (let k = 0; k < n; k++) {
      if (seg.high[k] > dayHigh) dayHigh = seg.high[k];
      if (seg.low[k] < dayLow) dayLow = seg.low[k];
      volume += seg.volume[k];
    }
    timestamp = Math.floor(nowMs / 1000);
  } else {
    ensureSummary(profile, s, i);
    if (s.volume[i] < 0) return undefined;
    price = s.close[i];
    open = s.open[i];
    dayHigh = s.high[i];
    dayLow = s.low[i];
    volume = s.volume[i];
    timestamp = index.sessions[i].closeAt / 1000;
  }
  const path = dailyPath(profile);
  const previousClose = round2(path.close[i - 1] * factorOf(i - 1));
  let yearHigh = dayHigh * f;
  let yearLow = dayLow * f;
  for (let j = Math.max(0, i - 251); j < i; j++) {
    ensureSummary(profile, s, j);
    if (s.volume[j] < 0) continue;
    const fj = factorOf(j);
    if (s.high[j] * fj > yearHigh) yearHigh = s.high[j] * fj;
    if (s.low[j] * fj < yearLow) yearLow = s.low[j] * fj;
  }
  const average = (n: number) => {
    let sum = 0;
    const from = Math.max(0, i - n + 1);
    for (let j = from; j <= i; j++) sum += path.close[j] * factorOf(j);
    return round(sum / (i - from + 1), 4);
  };
  const p = round2(price * f);
  const change = round2(p - previousClose);
  return {
    symbol,
    name: simCompanyName(symbol),
    price: p,
    changePercentage: round((change / previousClose) * 100, 5),
    change,
    volume: Math.round(volume / f),
    dayLow: round2(dayLow * f),
    dayHigh: round2(dayHigh * f),
    yearHigh: round2(yearHigh),
    yearLow: round2(yearLow),
    marketCap: Math.round(p * profile.averageVolume * (150 + (profile.key % 600))),
    priceAvg50: average(50),
    priceAvg200: average(200),
    exchange: profile.key % 3 === 0 ? 'NYSE' : 'NASDAQ',
    open: round2(open * f),
    previousClose,
    timestamp: Math.floor(timestamp),
  };
}
