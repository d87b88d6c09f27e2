/**
 * The simulated market's quarterly dividends: ex-dates, record, payment and declaration dates and raw amounts
 * (from the daily price path, cached per symbol), the `dividends` rows as FMP sends them, and the factors of the
 * `dividend-adjusted` EOD basis.
 */
import { addDays, type IsoDate, nyDateOf } from '../core/time.ts';
import { roundTo } from './sim-intraday.ts';
import { dailyPath } from './sim-price-path.ts';
import { hashString, uniformAt } from './sim-random.ts';
import { SIM_FIRST_DATE, SIM_LAST_DATE, simSessions } from './sim-sessions.ts';
import { adjustedSplitFactor, rawSplitFactor, type SimSymbolProfile, symbolProfile } from './sim-symbols.ts';

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
      if (q === 0 || amount === 0) amount = roundTo((previousClose * schedule.annualYield) / 4, 4);
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
        adjDividend: roundTo(e.dividend / splitRatio, 6),
        dividend: e.dividend,
        yield: roundTo(((e.dividend * 4) / e.previousClose) * 100, 5),
        frequency: 'Quarterly' as const,
      };
    });
}

/** Dividend adjustment of a session: Π (1 − dividend / previous close) over later ex-dates on or before `asOf`. */
export function dividendFactors(symbol: string, seed: number, asOf: IsoDate): (date: IsoDate) => number {
  const events = dividendEvents(symbolProfile(symbol, seed)).filter((e) => e.date <= asOf);
  return (date) => {
    let factor = 1;
    for (const e of events) if (e.date > date) factor *= 1 - e.dividend / e.previousClose;
    return factor;
  };
}
