import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UsageError, WorkFailedError } from '../../etl/core/errors.ts';
import type { ContextArgs } from '../context.ts';

interface CreateArgs extends ContextArgs {
  to?: string;
  wait?: number;
  json?: boolean;
}
interface ListArgs extends ContextArgs {
  dir?: string;
  json?: boolean;
}
interface VerifyArgs extends ListArgs {
  id?: string;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

async function backupsDirOf(option: string | undefined, warehouseDir: string): Promise<string> {
  const { defaultBackupsDir } = await import('../../etl/ops/backup-paths.ts');
  return option ? path.resolve(option) : defaultBackupsDir(warehouseDir);
}

/**
 * why: yargs hands a subcommand the options of `mqs backup` itself, so `mqs backup verify --to X` used to run
 * and ignore --to; a flag of the snapshot command given to list or verify is bad usage.
 */
function refuseBackupFlags(args: object, subcommand: string): void {
  const given = args as { to?: unknown; wait?: unknown };
  for (const flag of ['to', 'wait'] as const)
    if (given[flag] !== undefined)
      throw new UsageError(
        `--${flag} belongs to mqs backup (taking a snapshot), not to mqs backup ${subcommand}: drop it (--dir names the folder of the snapshots)`,
      );
}

const list: CommandModule<ContextArgs, ListArgs> = {
  command: 'list',
  describe: 'list the snapshots (admin)',
  builder: (y) =>
    y
      .option('dir', {
        type: 'string',
        describe: 'folder holding the snapshots (default WAREHOUSE_DIR/backups)',
      })
      .option('json', { type: 'boolean', describe: 'print JSON' }),
  handler: async (args) => {
    refuseBackupFlags(args, 'list');
    const ctx = args.context();
    const { authorize } = await import('../../etl/ops/authorize.ts');
    const { listBackups } = await import('../../etl/ops/list-backups.ts');
    await authorize(ctx, 'admin', 'backup list');
    const backups = listBackups(await backupsDirOf(args.dir, ctx.config.warehouseDir));
    if (args.json) {
      process.stdout.write(`${JSON.stringify(backups)}\n`);
      return;
    }
    if (backups.length === 0) process.stdout.write('no snapshots\n');
    for (const b of backups)
      process.stdout.write(
        `${b.id}  ${b.createdAt ?? '?'}  ${String(b.fileCount).padStart(5)} files  ${mb(b.totalBytes).padStart(10)}` +
          `${b.createdBy ? `  by ${b.createdBy}` : ''}${b.problem ? `  UNUSABLE: ${b.problem}` : ''}\n`,
      );
  },
};

const verify: CommandModule<ContextArgs, VerifyArgs> = {
  command: 'verify [id]',
  describe: 'recheck a snapshot (every snapshot without ID) against its manifest: sizes and SHA-256 (admin)',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'snapshot id, e.g. 20261126T231500Z' })
      .option('dir', {
        type: 'string',
        describe: 'folder holding the snapshots (default WAREHOUSE_DIR/backups)',
      })
      .option('json', { type: 'boolean', describe: 'print JSON' }),
  handler: async (args) => {
    refuseBackupFlags(args, 'verify');
    const ctx = args.context();
    const { runAuthorized } = await import('../../etl/ops/authorize.ts');
    const { listBackups } = await import('../../etl/ops/list-backups.ts');
    const { verifyBackup } = await import('../../etl/ops/verify-backup.ts');
    const dir = await backupsDirOf(args.dir, ctx.config.warehouseDir);
    const action = `backup verify ${args.id ?? '(all)'}`;
    const results = await runAuthorized(
      ctx,
      'admin',
      action,
      async () => {
        if (args.id && !listBackups(dir).some((b) => b.id === args.id))
          throw new UsageError(
            `no snapshot ${JSON.stringify(args.id)} in ${dir}: mqs backup list shows them`,
          );
        const ids = args.id ? [args.id] : listBackups(dir).map((b) => b.id);
        const out = [];
        for (const id of ids) out.push(await verifyBackup(path.join(dir, id)));
        if (out.some((r) => !r.ok)) {
          const bad = out.filter((r) => !r.ok).map((r) => r.id);
          // why: print first, then fail, so the operator sees every problem and the exit code says it failed.
          print(out, args.json);
          throw new WorkFailedError(`${bad.length} snapshot(s) failed verification: ${bad.join(', ')}`);
        }
        return out;
      },
      (out) => `${out.length} snapshot(s) ok`,
    );
    print(results, args.json);
  },
};

function print(
  results: Array<{ id: string; ok: boolean; problems: string[]; checkedFiles: number; checkedBytes: number }>,
  json: boolean | undefined,
) {
  if (json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
    return;
  }
  if (results.length === 0) process.stdout.write('no snapshots\n');
  for (const r of results) {
    process.stdout.write(
      `${r.id}  ${r.ok ? 'ok' : 'FAILED'}  ${r.checkedFiles} files, ${mb(r.checkedBytes)} checked\n`,
    );
    for (const p of r.problems) process.stdout.write(`  ${p}\n`);
  }
}

const command: CommandModule<ContextArgs, CreateArgs> = {
  command: 'backup',
  describe: 'snapshot every store and the lake with a checksummed manifest, then apply retention (admin)',
  builder: (y: Argv<ContextArgs>) =>
    y
      .command(list)
      .command(verify)
      .option('to', {
        type: 'string',
        describe: 'folder for the snapshot, ideally another disk (default WAREHOUSE_DIR/backups)',
      })
      .option('wait', {
        type: 'number',
        describe: 'seconds to wait for a running writer (ETL, books, members) to finish (default 60)',
      })
      .option('json', {
        type: 'boolean',
        describe: 'print the manifest summary as JSON',
      }) as Argv<CreateArgs>,
  handler: async (args) => {
    // why: the CLI root reports yargs usage errors after the handler ran; a mistyped subcommand must not back up.
    const extra = (args as { _?: unknown[] })._?.slice(1) ?? [];
    if (extra.length)
      throw new UsageError(
        `unknown backup subcommand ${JSON.stringify(String(extra[0]))}: use list or verify`,
      );
    if (args.wait !== undefined && (!Number.isFinite(args.wait) || args.wait < 0))
      throw new UsageError(`--wait ${args.wait} is not a number of seconds ≥ 0`);
    const ctx = args.context();
    const { runAuthorized } = await import('../../etl/ops/authorize.ts');
    const { createBackup } = await import('../../etl/ops/create-backup.ts');
    const backupsDir = args.to ? path.resolve(args.to) : undefined;
    const result = await runAuthorized(
      ctx,
      'admin',
      `backup${backupsDir ? ` --to ${backupsDir}` : ''}`,
      (who) =>
        createBackup({
          warehouseDir: ctx.config.warehouseDir,
          backupsDir,
          log: ctx.log,
          clock: ctx.clock,
          createdBy: who.name,
          lockWaitMs: (args.wait ?? 60) * 1000,
          retention: { keepDaily: ctx.config.backupKeepDaily, keepWeekly: ctx.config.backupKeepWeekly },
        }),
      (r) =>
        `${r.manifest.id}: ${r.manifest.files.length} files, ${r.manifest.totalBytes} bytes; pruned ${r.pruned.length}`,
    );
    const { manifest, dir, pruned } = result;
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({ id: manifest.id, dir, files: manifest.files.length, totalBytes: manifest.totalBytes, pruned })}\n`,
      );
      return;
    }
    process.stdout.write(
      `backup ${manifest.id}: ${manifest.files.length} files, ${mb(manifest.totalBytes)} in ${dir}\n`,
    );
    if (pruned.length) process.stdout.write(`retention removed ${pruned.join(', ')}\n`);
  },
};

export default command;
