/** What `mqs status` prints for people. */
import { describeSource } from '../../etl/pipeline/load-source.ts';
import type { WarehouseStatus } from '../../etl/pipeline/warehouse-status.ts';
import { formatTable, seriesOf } from './format-table.ts';

export function formatStatus(status: WarehouseStatus): string {
  const out: string[] = [];
  if (status.series.length === 0) out.push('no intraday bars in the lake yet (run mqs etl)');
  else
    out.push(
      formatTable(
        [
          'symbol',
          'interval',
          'first bar (UTC)',
          'last bar (UTC)',
          'sessions',
          'expected',
          'short',
          'failed windows',
        ],
        status.series.map((s) => [
          s.symbol,
          s.interval,
          s.first_bar_at,
          s.last_bar_at,
          s.sessions_present,
          s.sessions_expected,
          s.sessions_short,
          s.failed_windows,
        ]),
      ),
    );
  for (const source of status.sources) out.push(`\ndata source: ${describeSource(source)}`);
  if (status.etl_running)
    out.push(`\nan ETL is running, so failed windows and runs are not shown: ${status.etl_running}`);
  if (status.read_only) out.push(`\n${status.read_only}`);
  if (status.failed_windows.length > 0) {
    out.push(`\n${status.failed_windows.length} failed window(s); the next mqs etl retries them first:`);
    for (const f of status.failed_windows.slice(0, 30))
      out.push(`  ${seriesOf(f)} ${f.from}..${f.to} (attempts ${f.attempts}): ${f.error ?? ''}`);
  }
  if (status.runs.length > 0) {
    out.push('\nlast runs:');
    out.push(
      formatTable(
        ['load', 'command', 'started (UTC)', 'finished (UTC)', 'status', 'rows', 'failed', 'source'],
        status.runs.map((r) => [
          r.load_id,
          r.command,
          r.started_at,
          r.finished_at ?? '-',
          r.status,
          r.rows ?? '-',
          r.failed ?? '-',
          r.source ?? '-',
        ]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
