import type { CommandModule } from 'yargs';

const command: CommandModule = {
  command: 'demo',
  describe:
    'the main job end to end on the built-in FMP simulator: ETL of sample tickers, rows from the marts, a backtest',
  handler: async () => {
    const { createContext } = await import('../context.ts');
    const context = createContext({ logFileName: 'demo.log', logLevel: process.env.LOG_LEVEL ?? 'warn' });
    const { runDemo } = await import('../../etl/pipeline/run-demo.ts');
    await runDemo(context, (text) => process.stdout.write(text));
  },
};

export default command;
