import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../etl/core/errors.ts';
import type { Logger } from '../etl/core/log.ts';
import { PROJECT_ROOT } from '../etl/core/project-root.ts';
import { type IsoDate, isIsoDate } from '../etl/core/time.ts';
import { type BacktestResult, runBacktestOnColumns } from './backtest-engine.ts';
import type { BacktestMetrics } from './backtest-metrics.ts';
import { renderBacktestReport } from './backtest-report.ts';
import { loadBarColumns, loadBenchmarkSessions } from './bar-loader.ts';
import { loadPortfolio } from './portfolio-config.ts';
import { loadStrategy } from './strategy-loader.ts';

/** The folder holding one sub-folder per portfolio (portfolios/ of the sources, also when running from dist/). */
export const PORTFOLIOS_DIR = path.join(PROJECT_ROOT, 'portfolios');

/** Capital the manager splits across portfolios by their `capitalShare` when nothing else is given, USD. */
export const DEFAULT_MANAGER_CAPITAL = 1_000_000;

export interface RunBacktestOptions {
  warehouseDir: string;
  portfolioId: string;
  /** First and last New York session dates, inclusive. */
  from: IsoDate;
  to: IsoDate;
  log: Logger;
  /** Manager capital, USD; the portfolio starts with capital × capitalShare. Default 1,000,000. */
  capital?: number;
  /** Where portfolio folders live. Default: `portfolios/`. */
  portfoliosDir?: string;
  /** A connection with the marts (default: a fresh warehouse reader over WAREHOUSE_DIR/lake). */
  connection?: DuckDBConnection;
  /** Trade these symbols instead of the config's universe (e.g. the demo's tickers). */
  universe?: readonly string[];
  /** Benchmark symbol instead of the config's. */
  benchmark?: string;
}

export interface RunBacktestOutput {
  metrics: BacktestMetrics;
  result: BacktestResult;
  /** The HTML report, `WAREHOUSE_DIR/reports/backtest-<id>-<from>-<to>.html`. */
  reportPath: string;
  /** The full result as JSON beside the report. */
  resultPath: string;
}

/** Writes a file through a temporary name and a rename, so readers never see half of it. */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

/**
 * Backtests one portfolio over the warehouse's history: loads its universe's bars from the `bars` mart into typed
 * arrays, replays them in bar-close order through the same runner, risk limits and paper-broker models as paper
 * trading, computes the metrics against buy-and-hold of the benchmark, and writes the HTML report and the JSON
 * result under `WAREHOUSE_DIR/reports/`. Same inputs → byte-identical files.
 */
export async function runBacktest(options: RunBacktestOptions): Promise<RunBacktestOutput> {
  const { from, to, log } = options;
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!isIsoDate(value))
      throw new UsageError(`--${name} ${JSON.stringify(value)} is not a date: use YYYY-MM-DD`);
  }
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}: swap them`);
  const capital = options.capital ?? DEFAULT_MANAGER_CAPITAL;
  if (!(capital > 0)) throw new UsageError(`--capital ${capital}: must be a positive amount of USD`);
  const definition = loadPortfolio(options.portfoliosDir ?? PORTFOLIOS_DIR, options.portfolioId);
  const { strategy, params } = await loadStrategy(definition);
  const config = {
    ...definition.config,
    universe: options.universe ? [...options.universe] : definition.config.universe,
    benchmark: options.benchmark ?? definition.config.benchmark,
  };
  if (config.universe.length === 0)
    throw new UsageError('the universe of a backtest needs at least one symbol');
  let connection = options.connection;
  let close = () => {};
  if (!connection) {
    const { openWarehouseReader } = await import('../etl/publish/warehouse-reader.ts');
    const reader = await openWarehouseReader(options.warehouseDir);
    connection = reader.connection;
    close = () => reader.close();
  }
  try {
    const started = performance.now();
    const columns = await loadBarColumns(connection, {
      symbols: config.universe,
      interval: config.interval,
      from,
      to,
    });
    const benchmarkSessions = await loadBenchmarkSessions(
      connection,
      config.benchmark,
      config.interval,
      from,
      to,
    );
    const loadedMs = performance.now() - started;
    if (columns.eventRow.length === 0) {
      throw new UsageError(
        `no ${config.interval} bars of ${config.universe.join(', ')} between ${from} and ${to} in ${options.warehouseDir}: run the ETL for them first (npm run etl)`,
      );
    }
    const missing = config.universe.filter((s) => !columns.symbols.includes(s));
    if (missing.length > 0) log.warn({ portfolio: definition.id, missing }, 'symbols without bars in range');
    if (benchmarkSessions.length === 0) {
      log.warn({ benchmark: config.benchmark }, 'benchmark has no bars in range; metrics without it');
    }
    const result = runBacktestOnColumns({
      portfolioId: definition.id,
      config,
      strategy: strategy.create(params, columns.symbols),
      columns,
      allocatedCapital: capital * config.capitalShare,
      benchmark:
        benchmarkSessions.length > 0 ? { symbol: config.benchmark, sessions: benchmarkSessions } : undefined,
    });
    const replayMs = performance.now() - started - loadedMs;
    log.info(
      {
        portfolio: definition.id,
        bars: result.bars,
        loadMs: Math.round(loadedMs),
        replayMs: Math.round(replayMs),
      },
      'backtest replayed',
    );
    const base = path.join(options.warehouseDir, 'reports', `backtest-${definition.id}-${from}-${to}`);
    const reportPath = `${base}.html`;
    const resultPath = `${base}.json`;
    writeFileAtomic(reportPath, renderBacktestReport(result, { from, to }));
    writeFileAtomic(resultPath, `${JSON.stringify({ from, to, ...result }, null, 1)}\n`);
    return { metrics: result.metrics, result, reportPath, resultPath };
  } finally {
    close();
  }
}
