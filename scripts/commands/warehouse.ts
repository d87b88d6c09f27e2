import type { Argv, CommandModule } from 'yargs';
import type { ContextArgs } from '../context.ts';

interface ResetArgs extends ContextArgs {
  yes?: boolean;
}

const reset: CommandModule<ContextArgs, ResetArgs> = {
  command: 'reset',
  describe:
    "empty the warehouse's market data (bars, daily bars, splits, dividends, the loads ledger, the lake and catalog) so it can be loaded from another source; keeps books, reports, members, backups (admin)",
  builder: (y) =>
    y.option('yes', { type: 'boolean', describe: 'really delete (without it, list what would be deleted)' }),
  handler: async (args) => {
    const ctx = args.context();
    const { config, clock } = ctx;
    const { marketDataEntries, resetMarketData } = await import('../../etl/ops/reset-market-data.ts');
    const { UsageError } = await import('../../etl/core/errors.ts');
    if (!args.yes) {
      const entries = marketDataEntries(config.warehouseDir);
      throw new UsageError(
        entries.length === 0
          ? `${config.warehouseDir} holds no market data: nothing to reset`
          : `this deletes from ${config.warehouseDir}: ${entries.join(', ')}; run mqs warehouse reset --yes to do it (mqs backup first keeps a copy)`,
      );
    }
    const { runAuthorized } = await import('../../etl/ops/authorize.ts');
    const removed = await runAuthorized(
      ctx,
      'admin',
      'warehouse reset',
      () => resetMarketData(config.warehouseDir, { clock }),
      (r) => `removed ${r.join(', ') || 'nothing'}`,
    );
    ctx.log.info({ warehouseDir: config.warehouseDir, removed }, 'market data reset');
    process.stdout.write(
      removed.length === 0
        ? `${config.warehouseDir} held no market data: nothing removed\n`
        : `removed from ${config.warehouseDir}: ${removed.join(', ')}; the next mqs etl loads from scratch\n`,
    );
  },
};

const command: CommandModule<ContextArgs, ContextArgs> = {
  command: 'warehouse',
  describe: 'manage the warehouse itself: reset (empty its market data to load it from another source)',
  builder: (y: Argv<ContextArgs>) => y.command(reset).demandCommand(1, 'name an action: reset'),
  handler: () => undefined,
};

export default command;
