/** The end-of-run report: per dataset, windows loaded / empty / failed, rows, requests; totals and failures. */
import { errorMessage } from '../core/errors.ts';
import { formatDuration, formatInt, formatTable } from './format-table.ts';
import { describeSource, type LoadSource } from './load-source.ts';
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

export function formatSummary(s: EtlSummary): string {
  const table = formatTable(
    ['dataset', 'loaded', 'empty', 'failed', 'skipped', 'rows', 'fetches'],
    s.datasets.map((d) => [
      d.dataset,
      d.windows_loaded,
      d.windows_empty,
      d.windows_failed,
      d.windows_skipped,
      d.rows,
      d.fetches,
    ]),
  );
  const lines = [
    s.datasets.length === 0 ? 'nothing to fetch: the warehouse is current for these symbols' : table,
    `${formatInt(s.rows)} rows, ${formatInt(s.requests)} requests (${s.retries} retries, ${s.http_429} answered 429) in ${formatDuration(s.duration_s)}${s.load_id === undefined ? '' : `, load ${s.load_id}`}`,
  ];
  lines.push(
    s.synthetic
      ? `SYNTHETIC DATA: loaded from ${describeSource(s.source)}, not from FMP; set FMP_API_KEY and FMP_BASE_URL for market data`
      : `source: ${describeSource(s.source)}`,
  );
  if (s.stopped_by) lines.push(`stopped early: ${s.stopped_by}`);
  if (s.failed.length > 0) {
    lines.push(`${s.failed.length} window(s) failed; the next run retries them first:`);
    for (const f of s.failed.slice(0, 50)) {
      lines.push(`  ${f.dataset} ${f.symbol} ${f.interval} ${f.from}..${f.to}: ${f.error}`);
    }
    if (s.failed.length > 50) lines.push(`  … and ${s.failed.length - 50} more (mqs status lists them)`);
  }
  return `${lines.join('\n')}\n`;
}
