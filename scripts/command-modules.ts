/**
 * Each command's module, by name: how the CLI from the sources (scripts/cli.ts) loads the one command it runs.
 * command-table.test.ts checks there is one for every entry of the table and no other. The compiled CLI has one
 * bundle a command instead, each with its own module only (scripts/build.mjs).
 */
import type { CommandModuleFile } from './command-table.ts';

export const COMMAND_MODULES: Record<string, () => Promise<CommandModuleFile>> = {
  backtest: () => import('./commands/backtest.ts'),
  backup: () => import('./commands/backup.ts'),
  bench: () => import('./commands/bench.ts'),
  calendar: () => import('./commands/calendar.ts'),
  demo: () => import('./commands/demo.ts'),
  etl: () => import('./commands/etl.ts'),
  members: () => import('./commands/members.ts'),
  portfolios: () => import('./commands/portfolios.ts'),
  quality: () => import('./commands/quality.ts'),
  restore: () => import('./commands/restore.ts'),
  schedule: () => import('./commands/schedule.ts'),
  sim: () => import('./commands/sim.ts'),
  sql: () => import('./commands/sql.ts'),
  status: () => import('./commands/status.ts'),
  warehouse: () => import('./commands/warehouse.ts'),
};
