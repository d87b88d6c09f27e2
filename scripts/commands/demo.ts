import type { CommandModule } from 'yargs';
import type { ContextArgs } from '../context.ts';

/** The portfolio the demo backtests over the bars it just loaded. */
const DEMO_PORTFOLIO = 'momentum';

const command: CommandModule<ContextArgs, ContextArgs> = {
  command: 'demo',
  describe:
    'the main job end to end on the built-in FMP simulator: ETL of sample tickers, rows from the marts, a backtest',
  handler: async (args) => {
    const context = args.context();
    const { authorize } = await import('../../etl/ops/authorize.ts');
    await authorize(context, 'analyst', 'demo');
    const { runDemo } = await import('../terminal/run-demo.ts');
    const out = (text: string) => process.stdout.write(text);
    const loaded = await runDemo(context, out);
    const { runBacktest } = await import('../../portfolios/run-backtest.ts');
    const { formatBacktestSummary } = await import('../../portfolios/format-backtest-summary.ts');
    out(`\nBacktest of the ${DEMO_PORTFOLIO} portfolio over the demo's bars:\n`);
    const result = await runBacktest({
      warehouseDir: loaded.warehouseDir,
      portfolioId: DEMO_PORTFOLIO,
      from: loaded.from,
      to: loaded.to,
      log: context.log,
    });
    out(formatBacktestSummary(result, DEMO_PORTFOLIO, loaded.from, loaded.to));
    out(`Open the report in a browser: ${result.reportPath}\n`);
  },
};

export default command;
