import type { CommandModule } from 'yargs';
import type { EtlArgs } from '../../etl/pipeline/etl-options.ts';
import type { ContextArgs } from '../context.ts';
import { numberOption, optionalNumberFlag } from '../number-option.ts';

interface Args extends Omit<EtlArgs, 'concurrency'>, ContextArgs {
  mode?: string;
  concurrency?: string;
  lockWait?: string;
}

const command: CommandModule<ContextArgs, Args> = {
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
        describe:
          'bars, eod_bars, splits, dividends (default all; intraday and daily still name bars and eod_bars)',
      })
      .option('concurrency', numberOption('requests in flight (default FMP_CONCURRENCY)'))
      .option('extended', {
        type: 'boolean',
        describe: 'include pre- and post-market bars (FMP Premium and up)',
      })
      .option('dry-run', {
        type: 'boolean',
        describe: 'print the plan (requests, sessions, time, bandwidth) and stop',
      })
      .option('json', { type: 'boolean', describe: 'print the summary as JSON' })
      .option('lock-wait', numberOption('seconds to wait for another ETL holding the warehouse', 30))
      .example(
        '$0 etl --tickers-file tickers.txt --from 2024-01-02',
        'backfill, then incremental on later runs',
      )
      .example('$0 etl --tickers AAPL,MSFT --dry-run', 'what a run would fetch and what it would cost')
      .example('$0 etl realtime --tickers-file tickers.txt', 'append 1-minute bars as they complete'),
  handler: async (args) => {
    // why: bad flags stop the run before anything else (exit 2, naming the flag).
    const concurrency = optionalNumberFlag(
      'concurrency',
      args.concurrency,
      { integer: true, min: 1, max: 64, what: 'a count of requests in flight', example: 8 },
      undefined,
    );
    const lockWaitS = optionalNumberFlag(
      'lock-wait',
      args.lockWait,
      { min: 0, what: 'a number of seconds', example: 30 },
      30,
    );
    const context = args.context();
    const { authorize } = await import('../../etl/ops/authorize.ts');
    await authorize(context, 'analyst', args.mode === 'realtime' ? 'etl realtime' : 'etl');
    const lockWaitMs = lockWaitS * 1000;
    const etlArgs = { ...args, concurrency };
    if (args.mode === 'realtime') {
      const { runRealtimeEtl } = await import('../terminal/realtime-command.ts');
      await runRealtimeEtl(etlArgs, context, { lockWaitMs });
    } else {
      const { runEtlCommand } = await import('../terminal/etl-command.ts');
      await runEtlCommand(etlArgs, context, { lockWaitMs });
    }
  },
};

export default command;
