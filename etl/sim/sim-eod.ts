/**
 * End-of-day bars, splits, dividends and quotes of the simulated market. Daily bars are the regular-session
 * aggregates of the same one-minute bars the intraday routes serve, so the two always agree.
 */
import { addDays, type IsoDate, nyDateOf } from '../core/time.ts';
import { rawShares, round2 } from './sim-intraday.ts';
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

/** Regular-session aggregates of a block of sessions: generated-basis prices, raw volume; NaN open = not computed. */
interface SummaryBlock {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

interface DailySummary {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Sessions per cached block. why: the calendar spans 1990–2099; a symbol's whole span would be ~1.1 MB. */
const SUMMARY_BLOCK = 256;
const summaryCache = new Map<number, SummaryBlock>();
/** Cached blocks (~10 KB each). */
const SUMMARY_CACHE_LIMIT = 4096;

function summaryBlock(profile: SimSymbolProfile, block: number): SummaryBlock {
  const cacheKey = profile.key * 256 + block;
  let s = summaryCache.get(cacheKey);
  if (!s) {
    const values = new Float64Array(5 * SUMMARY_BLOCK);
    s = {
      open: values.subarray(0, SUMMARY_BLOCK).fill(Number.NaN),
      high: values.subarray(SUMMARY_BLOCK, 2 * SUMMARY_BLOCK),
      low: values.subarray(2 * SUMMARY_BLOCK, 3 * SUMMARY_BLOCK),
      close: values.subarray(3 * SUMMARY_BLOCK, 4 * SUMMARY_BLOCK),
      volume: values.subarray(4 * SUMMARY_BLOCK, 5 * SUMMARY_BLOCK),
    };
    if (summaryCache.size >= SUMMARY_CACHE_LIMIT)
      summaryCache.delete(summaryCache.keys().next().value as number);
    summaryCache.set(cacheKey, s);
  }
  return s;
}

/** The daily summary of session i, or undefined when a thin symbol missed the whole day. */
function dailySummary(profile: SimSymbolProfile, i: number): DailySummary | undefined {
  const s = summaryBlock(profile, Math.floor(i / SUMMARY_BLOCK));
  const j = i % SUMMARY_BLOCK;
  if (Number.isNaN(s.open[j]) && s.volume[j] >= 0) {
    const seg = regularMinutesUncached(profile, i);
    if (seg.count === 0) {
      s.volume[j] = -1;
    } else {
      let high = seg.high[0];
      let low = seg.low[0];
      let volume = 0;
      const rawFactor = rawSplitFactor(profile, simSessions().sessions[i].date);
      for (let k = 0; k < seg.count; k++) {
        if (seg.high[k] > high) high = seg.high[k];
        if (seg.low[k] < low) low = seg.low[k];
        volume += rawShares(seg.volume[k], rawFactor);
      }
      s.open[j] = seg.open[0];
      s.high[j] = high;
      s.low[j] = low;
      s.close[j] = seg.close[seg.count - 1];
      s.volume[j] = volume;
    }
  }
  if (s.volume[j] < 0) return undefined;
  return { open: s.open[j], high: s.high[j], low: s.low[j], close: s.close[j], volume: s.volume[j] };
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
      const previousClose = path.close(i - 1) * rawSplitFactor(profile, index.sessions[i - 1].date);
      // why: companies hold the quarterly amount for a year; it is reset from the price at the first ex-date.
      if (q === 0 || amount === 0) amount = round((previousClose * schedule.annualYield) / 4, 4);
      events.push({
        sessionIndex: i,
        date,
        declarationDate: addDays(date, -21),
        recordDate:
          date >= SETTLEMENT_T1_FROM ? date : index.sessions[Math.min(i + 1, index.sessions.length - 1)].date,
        paymentDate: addDays(date, 14),
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
  const factorOf = (j: number) => adjustedSplitFactor(profile, index.sessions[j].date, asOf);
  const f = factorOf(i);
  const rawFactor = rawSplitFactor(profile, index.sessions[i].date);
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
      volume += rawShares(seg.volume[k], rawFactor);
    }
    timestamp = Math.floor(nowMs / 1000);
  } else {
    const d = dailySummary(profile, i);
    if (!d) return undefined;
    price = d.close;
    open = d.open;
    dayHigh = d.high;
    dayLow = d.low;
    volume = d.volume;
    timestamp = index.sessions[i].closeAt / 1000;
  }
  const previousClose = round2(dailyPath(profile).close(i - 1) * factorOf(i - 1));
  let yearHigh = dayHigh * f;
  let yearLow = dayLow * f;
  const path = dailyPath(profile);
  // why: the year's range from the daily opens and closes; a year of minute paths would make a cold
  // batch-quote cost ~25 ms per symbol.
  for (let j = Math.max(0, i - 251); j < i; j++) {
    const fj = factorOf(j);
    yearHigh = Math.max(yearHigh, path.open(j) * fj, path.close(j) * fj);
    yearLow = Math.min(yearLow, path.open(j) * fj, path.close(j) * fj);
  }
  const average = (n: number) => {
    let sum = 0;
    const from = Math.max(0, i - n + 1);
    for (let j = from; j <= i; j++) sum += path.close(j) * factorOf(j);
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
    volume: Math.round((volume * rawFactor) / f),
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
