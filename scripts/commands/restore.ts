import path from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../etl/core/errors.ts';
import type { ContextArgs } from '../context.ts';

interface Args extends ContextArgs {
  id: string;
  from?: string;
  members?: boolean;
}

const command: CommandModule<ContextArgs, Args> = {
  command: 'restore <id>',
  describe: 'put a verified snapshot back, atomically; refuses while a writer runs (admin)',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true, describe: 'snapshot id (mqs backup list)' })
      .option('from', {
        type: 'string',
        describe: 'folder holding the snapshot (default WAREHOUSE_DIR/backups)',
      })
      .option('members', {
        type: 'boolean',
        describe:
          "also restore the snapshot's member list (default: keep the live one, so revoked tokens stay revoked)",
      }),
  handler: async (args) => {
    if (!args.id)
      throw new UsageError('name the snapshot to restore: mqs restore ID (mqs backup list shows them)');
    const ctx = args.context();
    const { runAuthorized } = await import('../../etl/ops/authorize.ts');
    const { restoreBackup } = await import('../../etl/ops/restore-backup.ts');
    const result = await runAuthorized(
      ctx,
      'admin',
      `restore ${args.id}`,
      () =>
        restoreBackup({
          warehouseDir: ctx.config.warehouseDir,
          id: args.id,
          backupsDir: args.from ? path.resolve(args.from) : undefined,
          restoreMembers: args.members ?? false,
          log: ctx.log,
          clock: ctx.clock,
        }),
      (r) => `replaced ${r.replaced.join(', ')}; kept live ${r.keptLive.join(', ') || 'nothing'}`,
    );
    process.stdout.write(
      `restored ${result.manifest.id} (${result.manifest.files.length} files, taken ${result.manifest.createdAt}): ` +
        `replaced ${result.replaced.join(', ') || 'nothing'}` +
        `${result.keptLive.length ? `; kept the live ${result.keptLive.join(', ')}` : ''}\n`,
    );
  },
};

export default command;
