/**
 * What a run did, as data: per dataset, windows loaded / empty / failed, rows, requests; totals and failures
 * (`mqs etl` prints it with scripts/terminal/etl-report.ts, or as JSON).
 */
import { errorMessage } from '../core/errors.ts';
import type { LoadSource } from './load-source.ts';
import type { Dataset, PlannedWindow } from './plan.ts';
import type { ClientCounters, RunProgress } from './run-progress.ts';

export interface DatasetSummary {
  dataset: Dataset;
  windows_loaded: number;
  windows_empty: number;
  windows_failed: number;
  windows_skipped: number;
  rows: number;
  /** Window fetches the pipeline asked for (the client's retries come on top, see `retries`). */
  fetches: number;
}

export interface FailedWindowReport {
  dataset: Dataset;
  symbol: string;
  interval: string;
  from: string;
  to: string;
  error: string;
}

export interface EtlSummary {
  load_id: number | undefined;
  /** Where the data came from (loads.source): the FMP origin or 'simulator seed=<n>'. */
  source: string;
  /** True when the data is synthetic (the built-in simulator). */
  synthetic: boolean;
  symbols: number;
  to: string;
  datasets: DatasetSummary[];
  rows: number;
  /** HTTP requests sent, retries included. */
  requests: number;
  retries: number;
  http_429: number;
  duration_s: number;
  failed: FailedWindowReport[];
  /** Why the run stopped early (bad key, bandwidth), if it did. */
  stopped_by: string | undefined;
  /** The FMP error kind that stopped it (`auth`, `bandwidth`, …; etl/extract/fmp-errors.ts). */
  stopped_kind: string | undefined;
}

export function buildSummary(input: {
  loadId: number | undefined;
  source: LoadSource;
  symbols: number;
  to: string;
  progress: RunProgress;
  counters: ClientCounters;
  durationMs: number;
  failed: ReadonlyArray<{ window: PlannedWindow; error: unknown }>;
  stoppedBy: unknown;
}): EtlSummary {
  const datasets: DatasetSummary[] = [...input.progress.byDataset].map(([dataset, t]) => ({
    dataset,
    windows_loaded: t.loaded,
    windows_empty: t.empty,
    windows_failed: t.failed,
    windows_skipped: t.skipped,
    rows: t.rows,
    fetches: t.fetches,
  }));
  return {
    load_id: input.loadId,
    source: input.source.id,
    synthetic: input.source.simulated,
    symbols: input.symbols,
    to: input.to,
    datasets,
    rows: datasets.reduce((n, d) => n + d.rows, 0),
    requests: input.counters.requests,
    retries: input.counters.retries,
    http_429: input.counters.http429,
    duration_s: Math.round(input.durationMs / 100) / 10,
    failed: input.failed.map(({ window: w, error }) => ({
      dataset: w.dataset,
      symbol: w.symbol,
      interval: w.interval,
      from: w.from,
      to: w.to,
      error: errorMessage(error),
    })),
    stopped_by: input.stoppedBy === undefined ? undefined : errorMessage(input.stoppedBy),
    stopped_kind:
      input.stoppedBy === undefined
        ? undefined
        : String((input.stoppedBy as { kind?: unknown }).kind ?? 'aborted'),
  };
}
