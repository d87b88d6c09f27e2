import type { CommandModule } from 'yargs';
import { UsageError, WorkFailedError } from '../../etl/core/errors.ts';
import { isIsoDate } from '../../etl/core/time.ts';
import type { ContextArgs } from '../context.ts';
import { numberOption, optionalNumberFlag } from '../number-option.ts';

interface Args extends ContextArgs {
  since?: string;
  json?: boolean;
  'jump-threshold'?: number;
  'stale-sessions'?: number;
  sample?: string;
}

const command: CommandModule<ContextArgs, Args> = {
  command: 'quality',
  describe:
    'data-quality checks on the warehouse (sql/tests/): gaps against the calendar, duplicates, OHLC, prices, unexplained jumps, stale symbols; exit 1 when one fails (viewer)',
  builder: (y) =>
    y
      .option('since', { type: 'string', describe: 'check sessions from this New York date on (YYYY-MM-DD)' })
      .option('json', { type: 'boolean', describe: 'print the report as JSON' })
      .option('jump-threshold', {
        type: 'number',
        default: 0.5,
        describe: 'bar-to-bar close move (fraction) that needs a split on record',
      })
      .option('stale-sessions', {
        type: 'number',
        default: 3,
        describe: 'sessions a symbol may lag the newest before it counts as stale',
      })
      .option('sample', numberOption('offending rows shown per check', 20)),
  handler: async (args) => {
    const rows = { integer: true, min: 0, what: 'a count of rows', example: 20 };
    const sampleRows = optionalNumberFlag('sample', args.sample, rows, 20);
    if (args.since !== undefined && !isIsoDate(args.since))
      throw new UsageError(`--since ${JSON.stringify(args.since)} is not a date: use YYYY-MM-DD`);
    const ctx = args.context();
    const { authorize } = await import('../../etl/ops/authorize.ts');
    await authorize(ctx, 'viewer', 'quality');
    const { openWarehouseReader } = await import('../../etl/publish/warehouse-reader.ts');
    const { runQualityChecks } = await import('../../etl/ops/run-quality-checks.ts');
    const reader = await openWarehouseReader(ctx.config.warehouseDir);
    let report: Awaited<ReturnType<typeof runQualityChecks>>;
    try {
      report = await runQualityChecks(reader.connection, {
        since: args.since,
        jumpThreshold: args['jump-threshold'],
        staleSessions: args['stale-sessions'],
        sampleRows,
      });
    } finally {
      reader.close();
    }
    if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      for (const c of report.checks) {
        const status = !c.passed ? 'FAIL' : c.warnRows ? 'WARN' : 'ok';
        const counts = c.errorRows || c.warnRows ? `  ${c.errorRows} errors, ${c.warnRows} warnings` : '';
        process.stdout.write(`${status.padEnd(4)}  ${c.name}${counts}\n`);
        if (c.errorRows || c.warnRows) {
          for (const row of c.sample) process.stdout.write(`        ${JSON.stringify(row)}\n`);
          const shown = c.sample.length;
          if (c.errorRows + c.warnRows > shown)
            process.stdout.write(`        … ${c.errorRows + c.warnRows - shown} more\n`);
        }
      }
    }
    const failed = report.checks.filter((c) => !c.passed).map((c) => c.name);
    if (failed.length) throw new WorkFailedError(`data-quality checks failed: ${failed.join(', ')}`);
  },
};

export default command;
