/**
 * The daily skeleton of a symbol's price: open and close of every session on today's fully split-adjusted basis,
 * unrounded. The minute paths (sim-minutes.ts) bridge from each open to its close.
 */
import { RandomStream } from './sim-random.ts';
import { simSessions } from './sim-sessions.ts';
import type { SimSymbolProfile } from './sim-symbols.ts';

export interface SimDailyPath {
  /** Open of session i (adjusted basis, USD). */
  open: Float64Array;
  /** Close of session i (adjusted basis, USD). */
  close: Float64Array;
  /** Regular-session volume scale of session i, raw shares. */
  volume: Float64Array;
}

const pathCache = new Map<number, SimDailyPath>();
const PATH_CACHE_LIMIT = 4096;

/** Mean reversion of the log price towards its drift line, per session. */
const MEAN_REVERSION = 0.004;

export function dailyPath(profile: SimSymbolProfile): SimDailyPath {
  let path = pathCache.get(profile.key);
  if (path) return path;
  const n = simSessions().sessions.length;
  const open = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const rng = new RandomStream(profile.key ^ 0x5eed);
  const sigma = profile.dailyVolatility;
  let trend = Math.log(profile.startPrice);
  let logClose = trend;
  for (let i = 0; i < n; i++) {
    trend += profile.dailyDrift;
    const gap = sigma * 0.3 * rng.normal();
    const logOpen = logClose + gap;
    logClose = logOpen + sigma * rng.normal() - MEAN_REVERSION * (logOpen - trend);
    open[i] = Math.exp(logOpen);
    close[i] = Math.exp(logClose);
    volume[i] = profile.averageVolume * Math.exp(0.35 * rng.normal() - 0.06);
  }
  path = { open, close, volume };
  if (pathCache.size >= PATH_CACHE_LIMIT) pathCache.delete(pathCache.keys().next().value as number);
  pathCache.set(profile.key, path);
  return path;
}
