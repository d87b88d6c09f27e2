/**
 * Who the simulated symbols are: a deterministic profile per (seed, symbol) with price level, volatility,
 * volume, thinness, splits and a dividend schedule. Nothing here depends on prices; see sim-price-path.ts.
 */
import { tryNormalizeSymbol } from '../core/symbols.ts';
import type { IsoDate } from '../core/time.ts';
import { hashString, mixKey, uniformAt } from './sim-random.ts';
import { simSessions } from './sim-sessions.ts';

export interface SimSplit {
  /** Ex-date (first session on the new basis). */
  date: IsoDate;
  /** New shares per `denominator` old shares. */
  numerator: number;
  denominator: number;
}

export interface SimSymbolProfile {
  symbol: string;
  /** Stream key for everything random about this symbol. */
  key: number;
  /** Level of the trend line on the first session of 2015, on today's (fully split-adjusted) basis, USD. */
  startPrice: number;
  /** Expected log return per session. */
  dailyDrift: number;
  /** Standard deviation of the log return per session. */
  dailyVolatility: number;
  /** Typical regular-session volume, raw shares. */
  averageVolume: number;
  /** Thin symbols miss many minutes (omitted, not zero-filled). */
  thin: boolean;
  /** Splits, oldest first. */
  splits: SimSplit[];
  /** Quarterly dividends: annual yield (fraction) and the month offset (1–3) of the first ex-date each year. */
  dividend: { annualYield: number; monthOffset: number; dayOfMonth: number } | undefined;
}

// why: a few well-known names keep their real split history so demo output looks familiar.
const KNOWN_SPLITS: Record<string, SimSplit[]> = {
  AAPL: [{ date: '2020-08-31', numerator: 4, denominator: 1 }],
  NVDA: [
    { date: '2021-07-20', numerator: 4, denominator: 1 },
    { date: '2024-06-10', numerator: 10, denominator: 1 },
  ],
  TSLA: [
    { date: '2020-08-31', numerator: 5, denominator: 1 },
    { date: '2022-08-25', numerator: 3, denominator: 1 },
  ],
  AMZN: [{ date: '2022-06-06', numerator: 20, denominator: 1 }],
  GOOGL: [{ date: '2022-07-18', numerator: 20, denominator: 1 }],
  GOOG: [{ date: '2022-07-18', numerator: 20, denominator: 1 }],
};

const SPLIT_RATIOS: Array<[number, number]> = [
  [2, 1],
  [3, 1],
  [4, 1],
  [3, 2],
  [1, 10],
  [1, 5],
];

/** Share of symbols (outside KNOWN_SPLITS) with one split between 2016 and 2025. */
export const SPLIT_SHARE = 0.1;
/** Share of symbols that are thin. */
export const THIN_SHARE = 0.1;
/** Share of symbols paying quarterly dividends. */
export const DIVIDEND_SHARE = 0.45;
/** Share of Basic's large caps paying quarterly dividends. */
export const LARGE_CAP_DIVIDEND_SHARE = 0.75;

/**
 * Built-in unknown symbols: anything starting with `ZZZ`, and anything that is not a symbol in FMP's spelling
 * (lower case, `BRK/B`, punctuation). They answer 200 `[]` on data routes.
 */
export function isBuiltInUnknownSymbol(symbol: string): boolean {
  if (symbol.startsWith('ZZZ')) return true;
  const normalized = tryNormalizeSymbol(symbol);
  return !('symbol' in normalized) || normalized.symbol !== symbol;
}

const profileCache = new Map<string, SimSymbolProfile>();

export function symbolProfile(symbol: string, seed: number): SimSymbolProfile {
  const cacheKey = `${seed}:${symbol}`;
  let profile = profileCache.get(cacheKey);
  if (profile) return profile;
  const key = mixKey(seed, hashString(symbol));
  const u = (n: number) => uniformAt(key, n);
  const splits = KNOWN_SPLITS[symbol] ?? generatedSplits(key);
  const reverse = splits.some((s) => s.numerator < s.denominator);
  // why: a reverse-split name traded far lower before the split; keep its raw prices above a few cents.
  const minPrice = reverse ? 30 : 8;
  // why: the large caps of Basic's sample look like large caps: never thin, higher prices and volumes.
  const largeCap = BASIC_PLAN_SYMBOLS.includes(symbol);
  const thin = !largeCap && u(3) < THIN_SHARE;
  const volumeRange = largeCap ? [5e6, 8e7] : [3e5, 4e7];
  profile = {
    symbol,
    key,
    startPrice: Math.exp(
      Math.log(largeCap ? 40 : minPrice) + u(1) * (Math.log(400) - Math.log(largeCap ? 40 : minPrice)),
    ),
    dailyDrift: (-0.03 + u(2) * 0.2) / 252,
    dailyVolatility: 0.01 + u(4) * 0.02,
    averageVolume: Math.round(
      Math.exp(Math.log(volumeRange[0]) + u(5) * (Math.log(volumeRange[1]) - Math.log(volumeRange[0]))) *
        (thin ? 0.02 : 1),
    ),
    thin,
    splits,
    dividend:
      u(6) < (largeCap ? LARGE_CAP_DIVIDEND_SHARE : DIVIDEND_SHARE)
        ? {
            annualYield: 0.005 + u(7) * 0.035,
            monthOffset: 1 + Math.floor(u(8) * 3),
            dayOfMonth: 5 + Math.floor(u(9) * 20),
          }
        : undefined,
  };
  if (profileCache.size > 20_000) profileCache.clear();
  profileCache.set(cacheKey, profile);
  return profile;
}

function generatedSplits(key: number): SimSplit[] {
  if (uniformAt(key, 10) >= SPLIT_SHARE) return [];
  const { sessions, firstOnOrAfter } = simSessions();
  const first = firstOnOrAfter('2016-01-01');
  const last = firstOnOrAfter('2026-01-01') - 1;
  const index = first + Math.floor(uniformAt(key, 11) * (last - first));
  const [numerator, denominator] = SPLIT_RATIOS[Math.floor(uniformAt(key, 12) * SPLIT_RATIOS.length)];
  return [{ date: sessions[index].date, numerator, denominator }];
}

/**
 * Generated prices and volumes are on the basis after every split the simulator knows. A session's raw price is the
 * generated one × `rawSplitFactor` (every later split); its split-adjusted price as of `asOf` is the generated one ×
 * `adjustedSplitFactor` (only splits after `asOf`, which have not happened yet). Volumes divide by the same factors.
 */
export function rawSplitFactor(profile: SimSymbolProfile, sessionDate: IsoDate): number {
  let factor = 1;
  for (const s of profile.splits) if (s.date > sessionDate) factor *= s.numerator / s.denominator;
  return factor;
}

export function adjustedSplitFactor(profile: SimSymbolProfile, sessionDate: IsoDate, asOf: IsoDate): number {
  return rawSplitFactor(profile, asOf > sessionDate ? asOf : sessionDate);
}

/** Splits that have happened by `asOf`, oldest first. */
export function splitsAsOf(profile: SimSymbolProfile, asOf: IsoDate): SimSplit[] {
  return profile.splits.filter((s) => s.date <= asOf);
}

/**
 * The ~87 large caps a Basic key may query (FMP's free-tier sample; the exact list is FMP's, this one is ours).
 */
export const BASIC_PLAN_SYMBOLS: readonly string[] = [
  'AAPL',
  'ABBV',
  'ABT',
  'ACN',
  'ADBE',
  'ADP',
  'AMD',
  'AMGN',
  'AMT',
  'AMZN',
  'AVGO',
  'AXP',
  'BA',
  'BAC',
  'BKNG',
  'BLK',
  'BMY',
  'BRK-B',
  'C',
  'CAT',
  'CMCSA',
  'COP',
  'COST',
  'CRM',
  'CSCO',
  'CVS',
  'CVX',
  'DE',
  'DHR',
  'DIS',
  'GE',
  'GILD',
  'GOOG',
  'GOOGL',
  'GS',
  'HD',
  'HON',
  'IBM',
  'INTC',
  'INTU',
  'ISRG',
  'JNJ',
  'JPM',
  'KO',
  'LIN',
  'LLY',
  'LMT',
  'LOW',
  'MA',
  'MCD',
  'MDT',
  'META',
  'MMM',
  'MO',
  'MRK',
  'MS',
  'MSFT',
  'NEE',
  'NFLX',
  'NKE',
  'NOW',
  'NVDA',
  'ORCL',
  'PEP',
  'PFE',
  'PG',
  'PLD',
  'PM',
  'PYPL',
  'QCOM',
  'RTX',
  'SBUX',
  'SCHW',
  'SO',
  'SPGI',
  'T',
  'TGT',
  'TMO',
  'TSLA',
  'TXN',
  'UNH',
  'UNP',
  'UPS',
  'V',
  'VZ',
  'WFC',
  'WMT',
];

const NAME_SUFFIXES = ['Inc.', 'Corporation', 'Holdings Inc.', 'Group Inc.', 'Co.', 'Technologies Inc.'];

/** A made-up company name for a symbol (stable across seeds). */
export function simCompanyName(symbol: string): string {
  const h = hashString(symbol);
  const stem = symbol.charAt(0) + symbol.slice(1).toLowerCase().replace(/-/g, ' ');
  return `${stem} ${NAME_SUFFIXES[h % NAME_SUFFIXES.length]}`;
}
