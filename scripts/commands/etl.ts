import type { CommandModule } from 'yargs';
import type { EtlArgs } from '../../etl/pipeline/etl-options.ts';

interface Args extends EtlArgs {
  mode?: string;
  lockWait?: number;
}

const command: CommandModule<object, Args> = {
  command: 'etl [mode]',
  describe:
    'fetch FMP bars into the warehouse: backfill and incremental runs (default), or `realtime` polling during market hours',
  builder: (y) =>
    y
      .positional('mode', {
        type: 'string',
        choices: ['run', 'realtime'],
        default: 'run',
        describe: 'run: fetch what is missing up to --to; realtime: poll 1-minute bars until the close',
      })
      .option('tickers-file', {
        type: 'string',
        describe: 'file with one symbol a line (# comments allowed)',
      })
      .option('tickers', { type: 'string', array: true, describe: 'symbols, comma-separated or repeated' })
      .option('interval', {
        type: 'string',
        array: true,
        describe: 'intraday interval(s): 1min 5min 15min 30min 1hour 4hour (default 1min)',
      })
      .option('from', {
        type: 'string',
        describe: 'first date (YYYY-MM-DD, New York); default: after what is stored',
      })
      .option('to', { type: 'string', describe: 'last date, inclusive; default: the last completed session' })
      .option('datasets', {
        type: 'string',
        array: true,
        describe: 'intraday, daily, splits, dividends (default all)',
      })
      .option('concurrency', { type: 'number', describe: 'requests in flight (default FMP_CONCURRENCY)' })
      .option('extended', {
        type: 'boolean',
        describe: 'include pre- and post-market bars (FMP Premium and up)',
      })
      .option('dry-run', {
        type: 'boolean',
        describe: 'print the plan (requests, sessions, time, bandwidth) and stop',
      })
      .option('json', { type: 'boolean', describe: 'print the summary as JSON' })
      .option('lock-wait', {
        type: 'number',
        default: 30,
        describe: 'seconds to wait for another ETL holding the warehouse',
      })
      .example(
        '$0 etl --tickers-file tickers.txt --from 2024-01-02',
        'backfill, then incremental on later runs',
      )
      .example('$0 etl --tickers AAPL,MSFT --dry-run', 'what a run would fetch and what it would cost')
      .example('$0 etl realtime --tickers-file tickers.txt', 'append 1-minute bars as they complete'),
  handler: async (args) => {
    const { createContext } = await import('../context.ts');
    const context = createContext({ logFileName: 'etl.log' });
    const { authorize } = await import('../../etl/ops/authorize.ts');
    await authorize(context, 'analyst', args.mode === 'realtime' ? 'etl realtime' : 'etl');
    const { runEtlCommand, runRealtimeCommand } = await import('../../etl/pipeline/etl-command.ts');
    const lockWaitMs = Math.max(0, (args.lockWait ?? 30) * 1000);
    if (args.mode === 'realtime') await runRealtimeCommand(args, context, { lockWaitMs });
    else await runEtlCommand(args, context, { lockWaitMs });
  },
};

export default command;
