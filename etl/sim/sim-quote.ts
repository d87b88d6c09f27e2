/** Quotes of the simulated market: live during regular hours, frozen at the last close outside them. */
import { nyDateOf } from '../core/time.ts';
import { dailySummary } from './sim-daily-summary.ts';
import { rawShares, round2, roundTo } from './sim-intraday.ts';
import { OPEN_MINUTE, regularMinutesUncached } from './sim-minutes.ts';
import { dailyPath } from './sim-price-path.ts';
import { simSessions } from './sim-sessions.ts';
import { adjustedSplitFactor, rawSplitFactor, simCompanyName, symbolProfile } from './sim-symbols.ts';

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
    return roundTo(sum / (i - from + 1), 4);
  };
  const p = round2(price * f);
  const change = round2(p - previousClose);
  return {
    symbol,
    name: simCompanyName(symbol),
    price: p,
    changePercentage: roundTo((change / previousClose) * 100, 5),
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
