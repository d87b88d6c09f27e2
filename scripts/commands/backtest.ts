import type { CommandModule } from 'yargs';
import type { ContextArgs } from '../context.ts';

interface Args extends ContextArgs {
  portfolio: string;
  from: string;
  to: string;
  capital?: number;
  symbols?: string;
  benchmark?: string;
  json?: boolean;
}

const command: CommandModule<ContextArgs, Args> = {
  command: 'backtest',
  describe:
    'backtest a portfolio over the warehouse history and write an HTML report (WAREHOUSE_DIR/reports/)',
  builder: (y) =>
    y
      .option('portfolio', {
        type: 'string',
        demandOption: true,
        describe: 'portfolio id (folder under portfolios/)',
      })
      .option('from', {
        type: 'string',
        demandOption: true,
        describe: 'first session date, YYYY-MM-DD (New York)',
      })
      .option('to', {
        type: 'string',
        demandOption: true,
        describe: 'last session date, YYYY-MM-DD, inclusive',
      })
      .option('capital', {
        type: 'number',
        describe: 'manager capital in USD, split by capitalShare (default 1000000)',
      })
      .option('symbols', {
        type: 'string',
        describe: "comma-separated symbols to trade instead of the config's universe",
      })
      .option('benchmark', {
        type: 'string',
        describe: "benchmark symbol instead of the config's (default SPY)",
      })
      .option('json', { type: 'boolean', describe: 'print the metrics and report path as JSON' }),
  handler: async (args) => {
    const context = args.context();
    const { config, log } = context;
    const { authorize } = await import('../../etl/ops/authorize.ts');
    await authorize(context, 'analyst', 'backtest');
    const { runBacktest } = await import('../../portfolios/run-backtest.ts');
    const { normalizeSymbol } = await import('../../etl/core/symbols.ts');
    const universe = args.symbols
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => normalizeSymbol(s));
    const out = await runBacktest({
      warehouseDir: config.warehouseDir,
      portfolioId: args.portfolio,
      from: args.from,
      to: args.to,
      capital: args.capital,
      universe,
      benchmark: args.benchmark ? normalizeSymbol(args.benchmark) : undefined,
      log,
    });
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({ portfolio: args.portfolio, from: args.from, to: args.to, bars: out.result.bars, metrics: out.metrics, reportPath: out.reportPath, resultPath: out.resultPath })}\n`,
      );
      return;
    }
    const { formatBacktestSummary } = await import('../../portfolios/format-backtest-summary.ts');
    process.stdout.write(formatBacktestSummary(out, args.portfolio, args.from, args.to));
  },
};

export default command;
