import type { CommandModule } from 'yargs';
import type { ContextArgs } from '../context.ts';
import { numberOption, optionalNumberFlag } from '../number-option.ts';

interface Args extends ContextArgs {
  tickersFile?: string;
  tickers?: string[];
  runs?: string;
  json?: boolean;
}

const command: CommandModule<ContextArgs, Args> = {
  command: 'status',
  describe:
    'what the warehouse holds: per symbol and interval first/last bar, sessions present vs expected, failed windows, last runs',
  builder: (y) =>
    y
      .option('tickers-file', { type: 'string', describe: 'only the symbols of this file' })
      .option('tickers', { type: 'string', array: true, describe: 'only these symbols' })
      .option('runs', numberOption('how many recent runs to list', 5))
      .option('json', { type: 'boolean', describe: 'print JSON' }),
  handler: async (args) => {
    const runs = optionalNumberFlag(
      'runs',
      args.runs,
      { integer: true, min: 0, what: 'a count of runs', example: 5 },
      5,
    );
    const context = args.context();
    const { config, log, clock } = context;
    const { authorize } = await import('../../etl/ops/authorize.ts');
    await authorize(context, 'viewer', 'status');
    const { readSymbols } = await import('../../etl/pipeline/etl-options.ts');
    const { readWarehouseStatus } = await import('../../etl/pipeline/warehouse-status.ts');
    const { formatStatus } = await import('../terminal/status-report.ts');
    const symbols = args.tickersFile || args.tickers ? readSymbols(args) : undefined;
    const status = await readWarehouseStatus(config.warehouseDir, { log, clock, symbols, runs });
    process.stdout.write(args.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
  },
};

export default command;
