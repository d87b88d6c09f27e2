import { createInterface } from 'node:readline/promises';
import type { CommandModule } from 'yargs';
import type { ContextArgs } from '../context.ts';

interface Args extends ContextArgs {
  query?: string;
  json?: boolean;
}

const command: CommandModule<ContextArgs, Args> = {
  command: 'sql [query]',
  describe:
    'run SQL against the warehouse views (bars, bars_daily, coverage, …); without a query, open a prompt',
  builder: (y) =>
    y
      .positional('query', { type: 'string', describe: 'one SQL statement, e.g. "from bars_daily limit 5"' })
      .option('json', { type: 'boolean', describe: 'print the rows as a JSON array' })
      .example('$0 sql "select symbol, count(*) from bars group by all"', 'bars per symbol')
      .example('$0 sql "from coverage where actual_bars < expected_bars" --json', 'gaps as JSON'),
  handler: async (args) => {
    const { closeEngine, openWarehouseReader, startReaderEngine } = await import(
      '../../etl/publish/warehouse-reader.ts'
    );
    // why started before the caller is authorized: DuckDB starts on its own threads while the rest loads and
    // the member check runs; the engine is empty until the reader opens the lake in it, after the check. It is
    // usually started already, before the arguments were parsed (warmUp, below).
    const engine = startReaderEngine();
    const ready = (async () => {
      const [sandbox, { UsageError }, { formatTable }, { authorize }] = await Promise.all([
        import('../../etl/publish/reader-sandbox.ts'),
        import('../../etl/core/errors.ts'),
        import('../terminal/format-table.ts'),
        import('../../etl/ops/authorize.ts'),
      ]);
      const context = args.context();
      await authorize(context, 'viewer', 'sql');
      return { ...sandbox, UsageError, formatTable, config: context.config };
    })();
    const {
      extractReadOnlyStatements,
      ReadOnlyStatementError,
      runReadOnlyStatement,
      sandboxHint,
      UsageError,
      formatTable,
      config,
    } = await ready.catch(async (error: unknown) => {
      // a refused caller, a broken config: the engine will not become a reader
      await closeEngine(engine);
      throw error;
    });
    // why: reading never takes the writer lock; the reader is an in-memory DuckDB over the published lake.
    const reader = await openWarehouseReader(config.warehouseDir, engine);
    // why: a member's SQL runs in the sandboxed reader, and only statements the engine types as reads run.
    const format = (result: Awaited<ReturnType<typeof runReadOnlyStatement>>): string => {
      if (args.json) return JSON.stringify(result.getRowObjectsJson());
      // why: DuckDB's own text form for people (intervals as 00:01:00, timestamps with their offset).
      const rows = result.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
      return formatTable(result.columnNames(), rows, { rule: true, rowCount: true });
    };
    try {
      if (args.query !== undefined) {
        if (args.query.trim() === '')
          throw new UsageError('the query is empty: pass SQL such as "from bars limit 5"');
        const query = args.query;
        try {
          const result = await runReadOnlyStatement(reader.connection, query);
          process.stdout.write(`${format(result)}\n`);
        } catch (error) {
          if (error instanceof ReadOnlyStatementError) throw error;
          const hint = sandboxHint(error);
          throw new UsageError(`query failed: ${(error as Error).message}${hint ? `\n(${hint})` : ''}`, {
            cause: error,
          });
        }
        return;
      }
      // why: with stdin not a terminal (`mqs sql < script.sql`, `printf … | mqs sql`) the prompt reads a script:
      // stdout gets the results and nothing else (no banner, no prompts), and a failing statement ends the run
      // the way a one-statement `mqs sql "…"` does (its error on stderr, exit 2), without running the rest.
      const interactive = process.stdin.isTTY === true;
      const rl = createInterface({
        input: process.stdin,
        output: interactive ? process.stdout : undefined,
        terminal: interactive,
      });
      if (interactive) {
        process.stdout.write(`views: ${reader.views.filter((v) => !/^(stg|int)_/.test(v)).join(', ')}\n`);
        process.stdout.write(
          'end a statement with ; (an empty line runs what is typed); .quit or Ctrl-D leaves\n',
        );
      }
      let buffer = '';
      const prompt = () => {
        if (!interactive) return;
        rl.setPrompt(buffer ? '   ...> ' : 'mqs sql> ');
        rl.prompt();
      };
      const runBuffer = async () => {
        try {
          // why: several statements on one line run one at a time, each typed just before it runs.
          const statements = await extractReadOnlyStatements(reader.connection, buffer);
          // An error stops the line: the statements after it are not run.
          for (let i = 0; i < statements.count; i++)
            process.stdout.write(`${format(await statements.run(i))}\n`);
        } catch (error) {
          const hint = sandboxHint(error);
          if (!interactive) {
            if (error instanceof ReadOnlyStatementError) throw error;
            throw new UsageError(
              `query failed: ${(error as Error).message}${hint ? `\n(${hint})` : ''}\n(the script stopped at: ${buffer.trim()})`,
              { cause: error },
            );
          }
          process.stdout.write(`error: ${(error as Error).message}${hint ? `\n(${hint})` : ''}\n`);
        }
        buffer = '';
      };
      prompt();
      try {
        for await (const line of rl) {
          if (buffer === '' && /^\s*(\.quit|\.exit|quit|exit)\s*;?\s*$/.test(line)) break;
          buffer += `${line}\n`;
          const complete = /;\s*$/.test(line) || (line.trim() === '' && buffer.trim() !== '');
          if (complete && buffer.trim() !== '') await runBuffer();
          else if (buffer.trim() === '') buffer = '';
          prompt();
        }
        // a script's last statement needs no ; or empty line after it
        if (!interactive && buffer.trim() !== '') await runBuffer();
      } finally {
        rl.close();
      }
    } finally {
      reader.close();
    }
  },
};

/**
 * Starts the reader's DuckDB while the CLI root loads and parses the arguments (the engine reads nothing until a
 * reader opens in it, after the member check); the compiled CLI calls it before it loads the root.
 */
export function warmUp(): Promise<void> {
  return import('../../etl/publish/warehouse-reader.ts').then((m) => m.warmUpReaderEngine());
}

export default command;
