/**
 * The regular-session aggregate (open, high, low, close, raw volume) of one symbol's session, on the generated
 * price basis, computed from its one-minute bars once and cached in blocks of sessions. EOD bars and quotes read it.
 */
import { rawShares } from './sim-intraday.ts';
import { regularMinutesUncached } from './sim-minutes.ts';
import { simSessions } from './sim-sessions.ts';
import { rawSplitFactor, type SimSymbolProfile } from './sim-symbols.ts';

/** Regular-session aggregates of a block of sessions: generated-basis prices, raw volume; NaN open = not computed. */
interface SummaryBlock {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export interface DailySummary {
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
export function dailySummary(profile: SimSymbolProfile, i: number): DailySummary | undefined {
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
