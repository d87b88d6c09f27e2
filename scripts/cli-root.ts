import fs from 'node:fs';
import path from 'node:path';
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CliError, errorMessage, UsageError } from '../etl/core/errors.ts';
import { PROJECT_ROOT } from '../etl/core/project-root.ts';
import { scrubSecrets } from '../etl/core/secrets.ts';
import {
  COMMANDS,
  type CommandEntry,
  type CommandModuleFile,
  commandName,
  contextOptionsOf,
  firstPositionalOf,
} from './command-table.ts';

/**
 * The CLI root: argument parsing, the composition root (the context) and the exit. Each entry hands it the one
 * way it loads a command's module: scripts/cli.ts every command's (scripts/command-modules.ts, the sources
 * through tsx), a bundle of dist/cli/ its own command's only (scripts/build.mjs).
 */
export type LoadCommand = (entry: CommandEntry) => Promise<CommandModuleFile>;

// why: only the module of the command being run is loaded (the table has every command's name and description
// for --help); loading all of them cost every run the imports of the others. Command modules keep their
// top-level imports light and load heavy modules (DuckDB, undici) inside their handlers.

function version(): string {
  return (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
}

function report(error: unknown, debug: boolean): number {
  const code = error instanceof CliError ? error.exitCode : 1;
  const text = debug && error instanceof Error && error.stack ? error.stack : `mqs: ${errorMessage(error)}`;
  process.stderr.write(`${scrubSecrets(text)}\n`);
  if (!debug && !(error instanceof CliError)) process.stderr.write('(run with --debug for the stack)\n');
  return code;
}

/** The part of yargs' internals skipHelpCache reaches (not in its types; absent in another yargs, then nothing). */
interface YargsUsageInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * why: whenever a command's handler runs, yargs renders that command's whole help text and keeps it, for a
 * handler that might call showHelp() later (none of ours does; usage errors go through .fail, which prints no
 * help). Rendering it cost every command a layout of all its options and the load of the Unicode width code
 * behind it (string-width: an Intl.Segmenter and large regular expressions). --help renders as before.
 */
function skipHelpCache(parser: object): void {
  const usage = (parser as YargsUsageInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

async function main(argv: string[], load: LoadCommand): Promise<number> {
  const debug = argv.includes('--debug');
  const requested = argv.find((a) => !a.startsWith('-'));
  const entry = COMMANDS.find((e) => commandName(e) === requested);
  let loaded: CommandModuleFile | undefined;
  try {
    loaded = entry && (await load(entry));
  } catch (error) {
    return report(error, debug);
  }
  // why not awaited: it goes on while yargs parses; a failure shows where the command uses what it started.
  loaded?.warmUp?.().catch(() => {});
  const parser = yargs(argv)
    .scriptName('mqs')
    .usage('$0 <command> [options]\n\nMQS Master: market-data warehouse and portfolios on DuckDB.')
    .option('debug', { type: 'boolean', describe: 'print stacks on errors', global: true })
    .strict()
    .demandCommand(1, 'name a command (mqs --help lists them)')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(version())
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((message, error) => {
      // why: throwing here stops yargs before any handler runs; recording the message alone let a command with a
      // mistyped option (`mqs backup --form x`) run anyway.
      if (error) throw error;
      throw new UsageError(`${message}\n(mqs ${entry ? `${requested} ` : ''}--help for usage)`);
    })
    .middleware(async (args) => {
      // why: the one composition root. A command whose table entry declares a context gets `args.context()`,
      // which builds it on the first call, with the entry's log file and level, and returns the same one after.
      const entry = COMMANDS.find((e) => commandName(e) === args._[0]);
      const positional = entry && firstPositionalOf(entry);
      const subcommand = args._[1]?.toString() ?? (positional ? args[positional]?.toString() : undefined);
      const options = entry && contextOptionsOf(entry, subcommand);
      if (options) args.context = (await import('./context.ts')).contextOnce(options);
    });
  skipHelpCache(parser);
  try {
    for (const e of COMMANDS) {
      if (e === entry && loaded) parser.command(loaded.default as CommandModule);
      else parser.command(e.command, e.describe);
    }
    await parser.parseAsync();
  } catch (error) {
    return report(error, debug);
  }
  return 0;
}

/**
 * Resolves once everything written to `stream` so far has left the process: a write's callback runs after the
 * writes queued before it, so an empty write marks the end of the queue. On a pipe, stdout and stderr write
 * asynchronously: exiting before this let the first 64 KiB through and dropped the rest.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) resolve();
    else stream.write('', () => resolve());
  });
}

/** A reader that went away (`mqs sql … | head -n 2`) ends the command quietly: it asked for no more. */
function quietOnClosedReader(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** Runs the command `process.argv` names, then exits with its code once its output has left the process. */
export async function runCli(load: LoadCommand): Promise<never> {
  quietOnClosedReader(process.stdout);
  quietOnClosedReader(process.stderr);
  const code = await main(hideBin(process.argv), load);
  const exitCode = typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // why: an open keep-alive socket, timer or DuckDB handle must not keep a finished command alive; the output is
  // written by now (logs are written synchronously).
  process.exit(exitCode);
}
