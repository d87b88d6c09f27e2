/**
 * `mqs demo` (`npm run demo`): the main job end to end on the built-in simulator — ETL of the sample tickers for
 * the last two weeks of sessions into WAREHOUSE_DIR and a few rows from the marts. The `demo` command then runs a
 * backtest over what this returns.
 */

import path from 'node:path';
import type { AppContext } from '../../etl/core/app-context.ts';
import { lastCompletedSession } from '../../etl/core/calendar.ts';
import { PROJECT_ROOT } from '../../etl/core/project-root.ts';
import { addDays } from '../../etl/core/time.ts';
import { resolveEtlOptions } from '../../etl/pipeline/etl-options.ts';
import { formatTable } from './format-table.ts';

export const DEMO_TICKERS_FILE = path.join(PROJECT_ROOT, 'scripts', 'demo-tickers.txt');

/** What the demo loaded: the portfolios part backtests over it. */
export interface DemoResult {
  warehouseDir: string;
  symbols: string[];
  /** New York session dates of the demo's bars, inclusive. */
  from: string;
  to: string;
}

export async function runDemo(context: AppContext, out: (text: string) => void): Promise<DemoResult> {
  const { log, clock } = context;
  // why: the demo always runs on synthetic data, whatever FMP settings the environment holds.
  const config = { ...context.config, fmpApiKey: undefined, fmpBaseUrl: undefined, rateLimitPerMin: 3000 };
  const to = lastCompletedSession(clock.now()).date;
  const from = addDays(to, -13);
  const options = resolveEtlOptions({ tickersFile: DEMO_TICKERS_FILE, from, to }, clock.now());
  out(`MQS Master demo: the built-in FMP simulator → ETL → warehouse (${config.warehouseDir})\n`);
  out(
    `ETL: ${options.symbols.length} sample tickers (${path.relative(process.cwd(), DEMO_TICKERS_FILE)}), 1-minute bars, EOD bars, splits and dividends, ${from}..${to}\n\n`,
  );

  const { etlSourceOf, openFmpConnection } = await import('../../etl/pipeline/fmp-connection.ts');
  const { openEtlWriter, runEtl } = await import('../../etl/pipeline/run-etl.ts');
  const { formatSummary } = await import('./etl-report.ts');
  const { STDERR_PROGRESS } = await import('./etl-command.ts');
  const writer = await openEtlWriter({ config, log, clock }, { command: 'mqs demo' });
  try {
    const fmp = await openFmpConnection(
      { config, log, clock },
      { simulatorReason: 'the demo always runs on the simulator' },
    );
    try {
      const summary = await runEtl(options, {
        ...etlSourceOf(fmp),
        writer,
        log,
        clock,
        progress: STDERR_PROGRESS,
        args: { demo: true },
      });
      out(formatSummary(summary));
    } finally {
      await fmp.close();
    }
  } finally {
    writer.close();
  }

  const { openWarehouseReader } = await import('../../etl/publish/warehouse-reader.ts');
  const reader = await openWarehouseReader(config.warehouseDir);
  try {
    const daily = await reader.connection.runAndReadAll(
      `select symbol, strftime(session_date, '%Y-%m-%d') as session, open, high, low, close, volume, bar_count
       from bars_daily where session_date = (select max(session_date) from bars_daily) order by symbol limit 10`,
    );
    out('\nbars_daily (the latest session, from 1-minute bars):\n');
    out(
      `${formatTable(
        daily.columnNames(),
        daily
          .getRowsJS()
          .map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : (v as string | number)))),
      )}\n`,
    );
    const coverage = await reader.connection.runAndReadAll(
      `select count(distinct symbol) as symbols, count(*) as symbol_sessions, sum(actual_bars) as bars,
              count(*) filter (actual_bars < expected_bars) as short_sessions
       from coverage where interval = '1min'`,
    );
    const [symbols, sessions, bars, short] = coverage.getRowsJS()[0]!.map(Number);
    out(
      `\ncoverage: ${symbols} symbols, ${sessions} symbol-sessions, ${bars} one-minute bars, ${short} sessions short of the calendar (thin symbols)\n`,
    );
  } finally {
    reader.close();
  }
  out(`\nQuery it yourself: npx mqs sql "from bars_daily limit 5"   ·   npx mqs status\n`);

  return { warehouseDir: config.warehouseDir, symbols: options.symbols, from, to };
}
