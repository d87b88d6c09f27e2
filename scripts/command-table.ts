/**
 * Every top-level command of `mqs`: its yargs command string and description (what `mqs --help` lists) and the
 * context the CLI root builds for it. Its module is scripts/commands/<name>.ts, which the CLI loads only for the
 * command it runs (scripts/command-modules.ts from the sources; each bundle of dist/cli/ holds its own command's);
 * `command-table.test.ts` checks that each entry matches its module. Adding a command: a file in
 * scripts/commands/ plus a line here and one in scripts/command-modules.ts.
 */
import type { ContextOptions } from './context.ts';

/** A module of scripts/commands/: its default export is a yargs CommandModule. */
export interface CommandModuleFile {
  default: object;
  /**
   * Work the CLI root starts as soon as it has loaded the command, before it parses the arguments, so that it goes
   * on while the rest loads (`sql`: DuckDB starts on its own threads). Not awaited.
   */
  warmUp?: () => Promise<unknown>;
}

export interface CommandEntry {
  /** The module's `command` (name first, then positionals), e.g. 'sql [query]'. */
  command: string;
  /** The module's `describe`. */
  describe: string;
  /**
   * The context (config, log, clock) the CLI root builds for the command and hands it as `args.context()`
   * (scripts/context.ts); none when absent.
   */
  context?: ContextDeclaration;
}

/** How the root builds a command's context: its log file (WAREHOUSE_DIR/logs/<name>) and default log level. */
export interface ContextDeclaration
  extends Pick<ContextOptions, 'logFileName' | 'defaultLogLevel' | 'terminalLogLevel'> {
  /** Subcommands whose context differs: their options replace the command's. */
  subcommands?: Record<string, Pick<ContextOptions, 'logFileName' | 'defaultLogLevel' | 'terminalLogLevel'>>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    command: 'backtest',
    describe:
      'backtest a portfolio over the warehouse history and write an HTML report (WAREHOUSE_DIR/reports/)',
    context: {},
  },
  {
    command: 'backup',
    describe: 'snapshot every store and the lake with a checksummed manifest, then apply retention (admin)',
    context: { logFileName: 'backup.log', terminalLogLevel: 'warn', subcommands: { list: {} } },
  },
  {
    command: 'bench <name> [args..]',
    describe: 'run a benchmark against the built-in simulator (npm run bench -- <name> --json)',
  },
  {
    command: 'calendar',
    describe:
      'show the NYSE trading calendar (1990–2099): holidays and early closes of a year, or the sessions of a range',
  },
  {
    command: 'demo',
    describe:
      'the main job end to end on the built-in FMP simulator: ETL of sample tickers, rows from the marts, a backtest',
    // why: the demo prints its own story; log lines below warn would bury it unless LOG_LEVEL asks for them.
    context: { logFileName: 'demo.log', defaultLogLevel: 'warn' },
  },
  {
    command: 'etl [mode]',
    describe:
      'fetch FMP bars into the warehouse: backfill and incremental runs (default), or `realtime` polling during market hours',
    context: { logFileName: 'etl.log' },
  },
  {
    command: 'members',
    describe: 'members and access control: add, list, revoke, rotate, audit',
    context: {
      subcommands: {
        add: { logFileName: 'members.log' },
        revoke: { logFileName: 'members.log' },
        rotate: { logFileName: 'members.log' },
      },
    },
  },
  {
    command: 'portfolios <action>',
    describe:
      'list the portfolios with their state, or run them all on the paper broker at the latest closed bar',
    // why a log file for run: it runs from cron or a timer; its lines per portfolio go there, and the terminal
    // (which gets the same as a table on stdout) sees only warnings.
    context: { subcommands: { run: { logFileName: 'portfolios.log', terminalLogLevel: 'warn' } } },
  },
  {
    command: 'quality',
    describe:
      'data-quality checks on the warehouse (sql/tests/): gaps against the calendar, duplicates, OHLC, prices, unexplained jumps, stale symbols; exit 1 when one fails (viewer)',
    context: {},
  },
  {
    command: 'restore <id>',
    describe: 'put a verified snapshot back, atomically; refuses while a writer runs (admin)',
    context: { logFileName: 'restore.log', terminalLogLevel: 'warn' },
  },
  {
    command: 'schedule',
    describe:
      'run the incremental ETL nightly on ETL_SCHEDULE_CRON (New York time, trading sessions only, one run at a time)',
    context: { logFileName: 'schedule.log' },
  },
  {
    command: 'sim',
    describe: "serve the FMP-compatible simulator (FMP's /stable API on synthetic, seeded data) until Ctrl-C",
    context: {},
  },
  {
    command: 'sql [query]',
    describe:
      'run SQL against the warehouse views (bars, bars_daily, coverage, …); without a query, open a prompt',
    context: {},
  },
  {
    command: 'status',
    describe:
      'what the warehouse holds: per symbol and interval first/last bar, sessions present vs expected, failed windows, last runs',
    context: {},
  },
  {
    command: 'warehouse',
    describe: 'manage the warehouse itself: reset (empty its market data to load it from another source)',
    // why warn on the terminal: stdout has the summary; the file keeps what was removed.
    context: { logFileName: 'warehouse.log', terminalLogLevel: 'warn' },
  },
];

/** The command's name: the first word of its command string. */
export function commandName(entry: Pick<CommandEntry, 'command'>): string {
  return entry.command.split(' ')[0]!;
}

/**
 * The name of the command's first positional argument (`portfolios <action>` → 'action'), whose value picks a
 * subcommand's context as a yargs subcommand does (`backup list`); undefined when it has none.
 */
export function firstPositionalOf(entry: Pick<CommandEntry, 'command'>): string | undefined {
  return /[<[](\w+)/.exec(entry.command.split(' ').slice(1).join(' '))?.[1];
}

/** The options of the context the root builds for `mqs <command> [subcommand]`; undefined: it builds none. */
export function contextOptionsOf(
  entry: CommandEntry,
  subcommand: string | undefined,
): ContextOptions | undefined {
  if (!entry.context) return undefined;
  const { subcommands, ...options } = entry.context;
  // why hasOwn: the value may be anything a user typed (`mqs portfolios constructor`), not only a declared name.
  const own = subcommand !== undefined && subcommands !== undefined && Object.hasOwn(subcommands, subcommand);
  return (own ? subcommands[subcommand] : undefined) ?? options;
}
