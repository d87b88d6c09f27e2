/** What `mqs etl` prints for people: the dry run's estimate and the end-of-run summary. */
import { formatDuration, formatInt } from '../../etl/core/human-numbers.ts';
import type { PlanEstimate } from '../../etl/pipeline/dry-run.ts';
import { describeSource } from '../../etl/pipeline/load-source.ts';
import type { EtlSummary } from '../../etl/pipeline/run-summary.ts';
import { formatTable, seriesOf } from './format-table.ts';

function formatBytes(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

export function formatEstimate(e: PlanEstimate): string {
  if (e.requests === 0) return 'nothing to fetch: the warehouse is current for these symbols\n';
  const table = formatTable(
    ['dataset', 'requests', 'sessions', 'rows (est.)', 'download (est.)'],
    e.datasets.map((d) => [d.dataset, d.requests, d.sessions, d.rows, formatBytes(d.bytes)]),
  );
  return (
    `${table}\n` +
    `${e.symbols} symbol(s): ${e.requests} requests covering ${e.sessions} sessions, about ` +
    `${formatDuration(e.seconds)} at ${e.rateLimitPerMin} requests/min, about ${formatBytes(e.bytes)} to download\n`
  );
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
      lines.push(`  ${seriesOf(f)} ${f.from}..${f.to}: ${f.error}`);
    }
    if (s.failed.length > 50) lines.push(`  … and ${s.failed.length - 50} more (mqs status lists them)`);
  }
  return `${lines.join('\n')}\n`;
}
