/**
 * One-minute bars of a symbol's session, generated on demand and cached: a Brownian bridge from the session's
 * open to its close (sim-price-path.ts) with a U-shaped volume profile; pre-market (04:00–09:29) bridges from the
 * previous close to the open and post-market runs 240 minutes from the close. Thin symbols miss minutes.
 * Higher intervals aggregate these minutes on FMP's grid (etl/core/intervals.ts).
 */
import { INTERVAL_MINUTES, type IntradayInterval } from '../core/intervals.ts';
import { MS_PER_MINUTE } from '../core/time.ts';
import { dailyPath } from './sim-price-path.ts';
import { mixKey, RandomStream } from './sim-random.ts';
import { simSessions } from './sim-sessions.ts';
import type { SimSymbolProfile } from './sim-symbols.ts';

/** Minute of the New York day at which the regular session opens (09:30). */
export const OPEN_MINUTE = 570;
/** First pre-market minute (04:00). */
export const PRE_MARKET_MINUTE = 240;
/** Length of the post-market session after the close, minutes (16:00–19:59 on a full day). */
export const POST_MARKET_MINUTES = 240;

/** Price and volume columns of bars; which basis and rounding, the interfaces that extend it say. */
export interface OhlcvColumns {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** Minutes of one segment of a session, ascending, adjusted basis, unrounded; volumes are raw shares. */
export interface MinuteSegment extends OhlcvColumns {
  count: number;
  /** Minute of the New York day of the bar start (570 = 09:30). */
  minute: Uint16Array;
}

interface SimDay {
  rth: MinuteSegment;
  pre?: MinuteSegment;
  post?: MinuteSegment;
}

const MISSING_SHARE = {
  thin: { rth: 0.35, pre: 0.85, post: 0.8 },
  normal: { rth: 0, pre: 0.02, post: 0.02 },
};

const dayCache = new Map<number, SimDay>();
/** Cached session-days (~20 KB each for regular hours). */
const DAY_CACHE_LIMIT = 3000;

let scratch = new Float64Array(1024);

function allocSegment(capacity: number): MinuteSegment {
  // why: one buffer per segment; six separate typed-array allocations per day dominated generation time.
  const prices = new Float64Array(5 * capacity);
  return {
    count: 0,
    minute: new Uint16Array(capacity),
    open: prices.subarray(0, capacity),
    high: prices.subarray(capacity, 2 * capacity),
    low: prices.subarray(2 * capacity, 3 * capacity),
    close: prices.subarray(3 * capacity, 4 * capacity),
    volume: prices.subarray(4 * capacity, 5 * capacity),
  };
}

/**
 * Fills `scratch[0..n]` with a log-price bridge from `from` to `to` (log prices) with per-step deviation `sigma`;
 * when `to` is undefined the path is a free random walk.
 */
function logBridge(rng: RandomStream, n: number, from: number, to: number | undefined, sigma: number): void {
  if (scratch.length < n + 1) scratch = new Float64Array(n + 1);
  scratch[0] = 0;
  for (let k = 1; k <= n; k++) scratch[k] = scratch[k - 1] + sigma * rng.normal();
  const end = scratch[n];
  const target = to === undefined ? from + end : to;
  for (let k = 0; k <= n; k++) {
    const frac = k / n;
    scratch[k] = from + frac * (target - from) + scratch[k] - frac * end;
  }
}

interface SegmentSpec {
  firstMinute: number;
  minutes: number;
  fromLog: number;
  toLog: number | undefined;
  sigma: number;
  missingShare: number;
  /** Volume of minute k (before the random factor), raw shares. */
  volumeAt: (k: number) => number;
  streamKey: number;
}

function generateSegment(spec: SegmentSpec): MinuteSegment {
  const rng = new RandomStream(spec.streamKey);
  logBridge(rng, spec.minutes, spec.fromLog, spec.toLog, spec.sigma);
  const seg = allocSegment(spec.minutes);
  const wick = spec.sigma * 0.8;
  let n = 0;
  let c = Math.exp(scratch[0]);
  for (let k = 0; k < spec.minutes; k++) {
    const o = c;
    c = Math.exp(scratch[k + 1]);
    const up = rng.next();
    const down = rng.next();
    const volNoise = rng.next();
    if (spec.missingShare > 0 && rng.next() < spec.missingShare) continue;
    seg.minute[n] = spec.firstMinute + k;
    seg.open[n] = o;
    seg.close[n] = c;
    seg.high[n] = Math.max(o, c) * (1 + wick * up * up);
    seg.low[n] = Math.min(o, c) * (1 - wick * down * down);
    seg.volume[n] = Math.max(1, Math.round(spec.volumeAt(k) * (0.5 + volNoise)));
    n++;
  }
  seg.count = n;
  return seg;
}

const profileWeights = new Map<number, { weights: Float64Array; total: number }>();

/** U-shaped share of the day's volume per regular-session minute, with open and closing-auction spikes. */
function volumeWeights(minutes: number): { weights: Float64Array; total: number } {
  let cached = profileWeights.get(minutes);
  if (cached) return cached;
  const weights = new Float64Array(minutes);
  let total = 0;
  for (let k = 0; k < minutes; k++) {
    const x = (2 * (k + 0.5)) / minutes - 1;
    let w = 0.55 + 2.6 * x * x;
    if (k === 0) w *= 3;
    if (k === minutes - 1) w *= 4.5;
    weights[k] = w;
    total += w;
  }
  cached = { weights, total };
  profileWeights.set(minutes, cached);
  return cached;
}

function sessionMinutes(sessionIndex: number): number {
  const s = simSessions().sessions[sessionIndex];
  return Math.round((s.closeAt - s.openAt) / MS_PER_MINUTE);
}

function generateRth(profile: SimSymbolProfile, i: number): MinuteSegment {
  const path = dailyPath(profile);
  const minutes = sessionMinutes(i);
  const { weights, total } = volumeWeights(minutes);
  const dayVolume = path.volume(i) * (minutes / 390);
  const missing = profile.thin ? MISSING_SHARE.thin : MISSING_SHARE.normal;
  return generateSegment({
    firstMinute: OPEN_MINUTE,
    minutes,
    fromLog: Math.log(path.open(i)),
    toLog: Math.log(path.close(i)),
    sigma: (profile.dailyVolatility / Math.sqrt(minutes)) * 0.9,
    missingShare: missing.rth,
    volumeAt: (k) => (dayVolume * weights[k]) / total,
    streamKey: mixKey(profile.key, i, 1),
  });
}

function generateExtended(profile: SimSymbolProfile, i: number, day: SimDay): void {
  const path = dailyPath(profile);
  const minutes = sessionMinutes(i);
  const sigma = (profile.dailyVolatility / Math.sqrt(390)) * 0.35;
  const perMinute = path.volume(i) / 390;
  const missing = profile.thin ? MISSING_SHARE.thin : MISSING_SHARE.normal;
  const previousClose = i > 0 ? path.close(i - 1) : path.open(i);
  day.pre = generateSegment({
    firstMinute: PRE_MARKET_MINUTE,
    minutes: OPEN_MINUTE - PRE_MARKET_MINUTE,
    fromLog: Math.log(previousClose),
    toLog: Math.log(path.open(i)),
    sigma,
    missingShare: missing.pre,
    volumeAt: () => perMinute * 0.015,
    streamKey: mixKey(profile.key, i, 2),
  });
  day.post = generateSegment({
    firstMinute: OPEN_MINUTE + minutes,
    minutes: POST_MARKET_MINUTES,
    fromLog: Math.log(path.close(i)),
    toLog: undefined,
    sigma,
    missingShare: missing.post,
    volumeAt: () => perMinute * 0.02,
    streamKey: mixKey(profile.key, i, 3),
  });
}

/** The minutes of a session (regular hours; pre- and post-market too when `extended`). Cached. */
export function sessionDay(profile: SimSymbolProfile, sessionIndex: number, extended: boolean): SimDay {
  const cacheKey = profile.key * 32_768 + sessionIndex;
  let day = dayCache.get(cacheKey);
  if (day) {
    dayCache.delete(cacheKey);
    dayCache.set(cacheKey, day);
  } else {
    day = { rth: generateRth(profile, sessionIndex) };
    if (dayCache.size >= DAY_CACHE_LIMIT) dayCache.delete(dayCache.keys().next().value as number);
    dayCache.set(cacheKey, day);
  }
  if (extended && !day.pre) generateExtended(profile, sessionIndex, day);
  return day;
}

/** Regular-session minutes of a session without touching the day cache (for daily summaries over years). */
export function regularMinutesUncached(profile: SimSymbolProfile, sessionIndex: number): MinuteSegment {
  const cached = dayCache.get(profile.key * 32_768 + sessionIndex);
  return cached ? cached.rth : generateRth(profile, sessionIndex);
}

/**
 * Bucket of a bar: start minute and end minute (exclusive) of the New York day. Regular hours follow FMP's grid
 * from the 09:30 open (1hour on :30, 4hour at 09:30 and 12:30, the last bar cut by the close).
 * why: pre-market buckets count back from the open so none straddles 09:30 (the first is cut at 04:00);
 * post-market buckets count forward from the close.
 */
export function bucketOf(minute: number, interval: IntradayInterval, closeMinute: number): [number, number] {
  const step = INTERVAL_MINUTES[interval];
  if (minute < OPEN_MINUTE) {
    const back = Math.ceil((OPEN_MINUTE - minute) / step);
    return [Math.max(PRE_MARKET_MINUTE, OPEN_MINUTE - back * step), OPEN_MINUTE - (back - 1) * step];
  }
  if (minute >= closeMinute) {
    const start = closeMinute + Math.floor((minute - closeMinute) / step) * step;
    return [start, start + step];
  }
  if (interval === '4hour') {
    const second = OPEN_MINUTE + 180;
    return minute < second ? [OPEN_MINUTE, Math.min(second, closeMinute)] : [second, closeMinute];
  }
  const start = OPEN_MINUTE + Math.floor((minute - OPEN_MINUTE) / step) * step;
  return [start, Math.min(start + step, closeMinute)];
}
