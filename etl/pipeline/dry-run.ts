/** `mqs etl --dry-run`: what a plan will cost — requests, sessions, time at the plan's rate, bandwidth. */

import { INTERVAL_MINUTES, isIntradayInterval } from '../core/intervals.ts';
import { type Dataset, expectedRows, type Plan } from './plan.ts';

/** JSON bytes per row FMP sends, by what the row is (measured: docs/performance.md#fmp-client). */
const BYTES_PER_ROW = { bars: 104, eod_bars: 190 } as const;
/** JSON bytes of one answer of splits or dividends (a symbol's whole history). */
const BYTES_PER_EVENT_ANSWER = 2_000;

export interface DatasetEstimate {
  dataset: Dataset;
  requests: number;
  sessions: number;
  rows: number;
  bytes: number;
}

export interface PlanEstimate {
  symbols: number;
  requests: number;
  sessions: number;
  rows: number;
  /** Expected response bytes (uncompressed JSON). */
  bytes: number;
  /** Time at the plan's rate: the limiter or latency × requests / concurrency, whichever is slower. */
  seconds: number;
  rateLimitPerMin: number;
  datasets: DatasetEstimate[];
}

/**
 * FMP's extended hours around each session: pre-market 04:00–09:30 New York (330 minutes, buckets counted back
 * from the open, the first cut at 04:00) and post-market 240 minutes from the close (also after an early close).
 */
const PRE_MARKET_MINUTES = 330;
const POST_MARKET_MINUTES = 240;

/** Extended-hours bars FMP adds to one session of an interval with `extended=true`. */
export function extendedBarsPerSession(interval: string): number {
  if (!isIntradayInterval(interval)) return 0;
  const minutes = INTERVAL_MINUTES[interval];
  return Math.ceil(PRE_MARKET_MINUTES / minutes) + Math.ceil(POST_MARKET_MINUTES / minutes);
}

export function estimatePlan(
  plan: Plan,
  options: {
    rateLimitPerMin: number;
    concurrency: number;
    latencyMs?: number;
    /** `--extended`: intraday windows also carry pre- and post-market bars. */
    extended?: boolean;
  },
): PlanEstimate {
  const byDataset = new Map<Dataset, DatasetEstimate>();
  for (const w of plan.windows) {
    let d = byDataset.get(w.dataset);
    if (!d) {
      d = { dataset: w.dataset, requests: 0, sessions: 0, rows: 0, bytes: 0 };
      byDataset.set(w.dataset, d);
    }
    const rows =
      expectedRows(w) +
      (options.extended && w.dataset === 'bars' ? w.sessions * extendedBarsPerSession(w.interval) : 0);
    d.requests++;
    d.sessions += w.sessions;
    if (w.dataset === 'bars' || w.dataset === 'eod_bars') {
      d.rows += rows;
      d.bytes += rows * BYTES_PER_ROW[w.dataset];
    } else d.bytes += BYTES_PER_EVENT_ANSWER;
  }
  const datasets = [...byDataset.values()];
  const requests = plan.windows.length;
  const latencyMs = options.latencyMs ?? 300;
  const seconds = Math.max(
    (requests / options.rateLimitPerMin) * 60,
    (requests * latencyMs) / 1000 / Math.max(1, options.concurrency),
  );
  return {
    symbols: new Set(plan.windows.map((w) => w.symbol)).size,
    requests,
    sessions: plan.sessions,
    rows: datasets.reduce((n, d) => n + d.rows, 0),
    bytes: datasets.reduce((n, d) => n + d.bytes, 0),
    seconds,
    rateLimitPerMin: options.rateLimitPerMin,
    datasets,
  };
}
