import type { CommandModule } from 'yargs';
import type { ContextArgs } from '../context.ts';

interface Args extends ContextArgs {
  tickersFile?: string;
  interval?: string[];
  datasets?: string[];
  now?: boolean;
  backup?: boolean;
  once?: boolean;
}

const command: CommandModule<ContextArgs, Args> = {
  command: 'schedule',
  describe:
    'run the incremental ETL nightly on ETL_SCHEDULE_CRON (New York time, trading sessions only, one run at a time)',
  builder: (y) =>
    y
      .option('tickers-file', {
        type: 'string',
        demandOption: true,
        describe: 'the universe, one symbol a line',
      })
      .option('interval', { type: 'string', array: true, describe: 'intraday interval(s) (default 1min)' })
      .option('datasets', {
        type: 'string',
        array: true,
        describe:
          'bars, eod_bars, splits, dividends (default all; intraday and daily still name bars and eod_bars)',
      })
      .option('now', {
        type: 'boolean',
        describe: 'run once at start (catch up) before waiting for the schedule',
      })
      .option('once', { type: 'boolean', describe: 'run once now and exit (for cron and systemd timers)' })
      .option('backup', {
        type: 'boolean',
        default: true,
        describe:
          'take a backup after each ETL run, with BACKUP_KEEP_DAILY / BACKUP_KEEP_WEEKLY retention (--no-backup skips it)',
      })
      .example(
        '$0 schedule --tickers-file tickers.txt',
        'stay in the foreground and run after every session',
      ),
  handler: async (args) => {
    const context = args.context();
    const { config, log, clock } = context;
    const { authorize } = await import('../../etl/ops/authorize.ts');
    await authorize(context, 'analyst', 'schedule');
    const { requireFmpSettings } = await import('../../etl/pipeline/load-source.ts');
    requireFmpSettings(config, 'mqs schedule');
    const { readSymbols } = await import('../../etl/pipeline/etl-options.ts');
    const { etlThenBackup, parseSchedule, runNightlySchedule } = await import(
      '../../etl/pipeline/nightly-schedule.ts'
    );
    const { spawnEtl } = await import('../terminal/spawn-etl.ts');
    readSymbols({ tickersFile: args.tickersFile });
    parseSchedule(config.scheduleCron);
    const etlArgs: string[] = ['--tickers-file', String(args.tickersFile)];
    for (const i of args.interval ?? []) etlArgs.push('--interval', i);
    for (const d of args.datasets ?? []) etlArgs.push('--datasets', d);
    if (args.once) {
      const { isTradingDay } = await import('../../etl/core/calendar.ts');
      const { nyDateOf } = await import('../../etl/core/time.ts');
      const today = nyDateOf(clock.now());
      if (!isTradingDay(today)) {
        log.info({ date: today }, 'no session today (New York): nothing to do');
        return;
      }
    }
    const abort = new AbortController();
    const stop = () => abort.abort(new Error('stopped by signal'));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    log.info({ cron: config.scheduleCron, timeZone: 'America/New_York' }, 'schedule started');
    const result = await runNightlySchedule({
      cron: config.scheduleCron,
      clock,
      log,
      runOnce: () =>
        etlThenBackup(
          () => spawnEtl(etlArgs, abort.signal),
          args.backup === false
            ? undefined
            : async () => {
                const { createBackup } = await import('../../etl/ops/create-backup.ts');
                await createBackup({
                  warehouseDir: config.warehouseDir,
                  log,
                  clock,
                  createdBy: 'schedule',
                  retention: { keepDaily: config.backupKeepDaily, keepWeekly: config.backupKeepWeekly },
                });
              },
          log,
        ),
      runAtStart: args.now || args.once,
      maxRuns: args.once ? 1 : undefined,
      signal: abort.signal,
    });
    if (args.once && result.failures > 0) {
      const { WorkFailedError } = await import('../../etl/core/errors.ts');
      throw new WorkFailedError('the ETL run failed; see WAREHOUSE_DIR/logs/etl.log');
    }
  },
};

export default command;
