/**
 * The daily skeleton of a symbol's price: open and close of every session on today's fully split-adjusted basis,
 * unrounded. The minute paths (sim-minutes.ts) bridge from each open to its close.
 *
 * The calendar spans 1990–2099 (~27,700 sessions), so the path is computed one calendar year at a time, on
 * demand, and cached per (symbol, year): a request for a week of 1998 or 2040 computes ~252 sessions, never the
 * years before it. Each year starts from a seeded deviation from the symbol's trend line (drawn from the walk's
 * own stationary spread) and is bridged so that its last close lands on the next year's starting deviation: the
 * path is continuous across years and any year comes out the same whichever is asked first.
 */
import { mixKey, RandomStream } from './sim-random.ts';
import { simSessions } from './sim-sessions.ts';
import type { SimSymbolProfile } from './sim-symbols.ts';

/** Open, close and volume scale of session i (global index in `simSessions()`). */
export interface SimDailyPath {
  /** Open of session i (adjusted basis, USD). */
  open(i: number): number;
  /** Close of session i (adjusted basis, USD). */
  close(i: number): number;
  /** Regular-session volume scale of session i, raw shares. */
  volume(i: number): number;
}

interface YearSegment {
  /** Global index of the year's first session. */
  first: number;
  open: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

const segmentCache = new Map<number, YearSegment>();
/** Cached (symbol, year) segments (~6 KB each). */
const SEGMENT_CACHE_LIMIT = 16_384;

/** Mean reversion of the log price towards its trend line, per session. */
const MEAN_REVERSION = 0.004;
/** The trend line's log distance from the start price saturates at ± this (prices stay plausible to 2099). */
const TREND_SPAN = 1.5;
/** The session index the start price refers to: the first session of this year. */
const TREND_ORIGIN_YEAR = 2015;

function trendAt(profile: SimSymbolProfile, i: number, origin: number): number {
  const x = profile.dailyDrift * (i - origin);
  return Math.log(profile.startPrice) + TREND_SPAN * Math.tanh(x / TREND_SPAN);
}

/** Seeded deviation of the log close from the trend line just before the year's first session. */
function yearStartDeviation(profile: SimSymbolProfile, year: number): number {
  // why: the stationary standard deviation of the mean-reverting walk, so year starts look like any other day.
  const spread = profile.dailyVolatility / Math.sqrt(2 * MEAN_REVERSION);
  return spread * new RandomStream(mixKey(profile.key, year, 0xdea1)).normal();
}

function computeSegment(profile: SimSymbolProfile, year: number): YearSegment {
  const index = simSessions();
  const first = index.firstOnOrAfter(`${year}-01-01`);
  const end = index.firstOnOrAfter(`${year + 1}-01-01`);
  const origin = index.firstOnOrAfter(`${TREND_ORIGIN_YEAR}-01-01`);
  const n = end - first;
  const open = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const rng = new RandomStream(mixKey(profile.key ^ 0x5eed, year));
  const sigma = profile.dailyVolatility;
  let logClose = trendAt(profile, first - 1, origin) + yearStartDeviation(profile, year);
  for (let k = 0; k < n; k++) {
    const trend = trendAt(profile, first + k, origin);
    const logOpen = logClose + sigma * 0.3 * rng.normal();
    logClose = logOpen + sigma * rng.normal() - MEAN_REVERSION * (logOpen - trend);
    open[k] = logOpen;
    close[k] = logClose;
    volume[k] = profile.averageVolume * Math.exp(0.35 * rng.normal() - 0.06);
  }
  // why: bridge the year's end onto the next year's starting deviation, so the path is continuous.
  if (n > 0) {
    const target = trendAt(profile, end - 1, origin) + yearStartDeviation(profile, year + 1);
    const miss = target - close[n - 1];
    for (let k = 0; k < n; k++) {
      const shift = (miss * (k + 1)) / n;
      open[k] = Math.exp(open[k] + shift - miss / n);
      close[k] = Math.exp(close[k] + shift);
    }
  }
  return { first, open, close, volume };
}

function segmentOf(profile: SimSymbolProfile, year: number): YearSegment {
  const cacheKey = profile.key * 256 + (year - 1900);
  let segment = segmentCache.get(cacheKey);
  if (segment) return segment;
  segment = computeSegment(profile, year);
  if (segmentCache.size >= SEGMENT_CACHE_LIMIT)
    segmentCache.delete(segmentCache.keys().next().value as number);
  segmentCache.set(cacheKey, segment);
  return segment;
}

/** The daily path of a symbol; each year's part is computed when a session of it is first asked for. */
export function dailyPath(profile: SimSymbolProfile): SimDailyPath {
  const sessions = simSessions().sessions;
  let last: YearSegment | undefined;
  const at = (i: number): YearSegment => {
    if (last && i >= last.first && i - last.first < last.open.length) return last;
    last = segmentOf(profile, Number(sessions[i].date.slice(0, 4)));
    return last;
  };
  return {
    open: (i) => {
      const s = at(i);
      return s.open[i - s.first];
    },
    close: (i) => {
      const s = at(i);
      return s.close[i - s.first];
    },
    volume: (i) => {
      const s = at(i);
      return s.volume[i - s.first];
    },
  };
}
