/**
 * The sandbox of every DuckDB connection the project opens for members (the warehouse reader, `mqs sql`):
 * it reads the published warehouse and nothing else.
 *
 * Two layers, both DuckDB's own:
 * 1. `sandboxConnection` locks the engine: external access off with an allow-list of the lake's folders or files,
 *    no extension installs or autoloads, then the configuration locked so no statement can undo any of it.
 * 2. `runReadOnlyStatement` / `extractReadOnlyStatements` let only read statements through, typed by the engine's
 *    own parser (prepared statements' `statementType`), never by keywords.
 *
 * Why both (measured on DuckDB 1.5.6): an allowed directory is allowed for writing too: with only layer 1,
 * `COPY … TO '<lake>/x.parquet'`, `EXPORT DATABASE '<lake>/e'`, `ATTACH '<lake>/new.db'` and
 * `EXPLAIN ANALYZE COPY …` all write inside the lake; `PRAGMA enable_profiling` still runs under a locked
 * configuration. Outside the allow-list layer 1 alone refuses every read and write (`read_text('/etc/passwd')`,
 * `COPY … TO 'members.json'`, `ATTACH 'x.db'`, `INSTALL httpfs`, `LOAD httpfs`), and `SET`/`RESET` of any
 * setting fails once locked. An allow-list of files (`allowedPaths`) admits exactly those files: a glob over
 * them is refused, so a reader that lists its files passes the files, one that globs passes the folder.
 * The warehouse reader passes the files of its snapshot (`allSnapshotFiles`): then even a write to one of them
 * gets past the engine (measured: `COPY … TO '<snapshot file>' (FORMAT csv)` prepares), and layer 2 refuses it.
 */
import path from 'node:path';
import {
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBResultReader,
  type DuckDBValue,
  StatementType,
} from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import { sqlStringList } from '../core/sql-literals.ts';

export interface ReaderSandbox {
  /** Files the connection may read (absolute), e.g. the Parquet files of a manifest. */
  allowedPaths: string[];
  /** Folders the connection may read below (absolute), e.g. `WAREHOUSE_DIR/lake`. */
  allowedDirectories: string[];
}

/**
 * Locks `connection`'s database down to reading the given files and folders. Call it after the views are
 * created (it does not matter for views: they are bound when queried). Applies to the whole DuckDB instance, and
 * cannot be undone: `lock_configuration` refuses every later `SET`/`RESET`, so set the session's options (time
 * zone, memory) before calling it.
 */
export async function sandboxConnection(connection: DuckDBConnection, sandbox: ReaderSandbox): Promise<void> {
  const directories = sandbox.allowedDirectories.map((d) => {
    const absolute = path.resolve(d);
    // why: DuckDB matches an allowed directory as a path prefix; the separator keeps `/w/lake` from admitting
    // `/w/lake-old/…`.
    return absolute.endsWith(path.sep) ? absolute : `${absolute}${path.sep}`;
  });
  const paths = sandbox.allowedPaths.map((p) => path.resolve(p));
  const statements = [
    'set autoinstall_known_extensions = false',
    'set autoload_known_extensions = false',
    // why: the allow-lists must be set while external access is still on; DuckDB refuses to change them after.
    `set allowed_directories = ${sqlStringList(directories)}`,
    `set allowed_paths = ${sqlStringList(paths)}`,
    'set enable_external_access = false',
    'set lock_configuration = true',
  ];
  for (const sql of statements) await connection.run(sql);
}

/** A statement `mqs sql` refused before running it (exit 2). */
export class ReadOnlyStatementError extends UsageError {}

const READ_ONLY_HINT =
  'mqs sql only reads: SELECT, FROM, WITH, VALUES, DESCRIBE, SUMMARIZE, SHOW, PIVOT with IN (…), EXPLAIN of those';

function statementTypeName(type: StatementType): string {
  return (StatementType[type] ?? `type ${type}`).replaceAll('_', ' ');
}

// why: EXPLAIN ANALYZE runs the statement it explains (measured: `EXPLAIN ANALYZE COPY … TO` writes the file), so
// an EXPLAIN passes only when what it explains is itself a read. The remainder is typed by the engine again; any
// text this does not strip (a comment before EXPLAIN, say) leaves an EXPLAIN, which is refused.
const EXPLAIN_PREFIX = /^\s*explain\s+(?:analy[sz]e\s+)?/i;

async function refuseUnlessRead(
  connection: DuckDBConnection,
  prepared: DuckDBPreparedStatement,
  sql: string,
): Promise<void> {
  const type = prepared.statementType;
  if (type === StatementType.SELECT) return;
  if (type === StatementType.EXPLAIN && EXPLAIN_PREFIX.test(sql)) {
    const inner = await connection.extractStatements(sql.replace(EXPLAIN_PREFIX, ''));
    if (inner.count === 1 && (await inner.prepare(0)).statementType === StatementType.SELECT) return;
  }
  throw new ReadOnlyStatementError(
    `refused a ${statementTypeName(type)} statement, it was not run: ${READ_ONLY_HINT}. ` +
      'Files, settings, extensions and other databases are out of reach of the warehouse reader.',
  );
}

/** The statements of one SQL text, each run only if the engine types it as a read. */
export interface ReadOnlyStatements {
  count: number;
  /** Prepares statement `index` (0-based), refuses it unless it reads, runs it and reads all rows. */
  run(index: number, values?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<DuckDBResultReader>;
}

/**
 * Splits `sql` into statements with DuckDB's parser. Running them one at a time (the prompt) types each just
 * before it runs; nothing is run by this call.
 */
export async function extractReadOnlyStatements(
  connection: DuckDBConnection,
  sql: string,
): Promise<ReadOnlyStatements> {
  const extracted = await connection.extractStatements(sql);
  return {
    count: extracted.count,
    run: async (index, values) => {
      const prepared = await extracted.prepare(index);
      await refuseUnlessRead(connection, prepared, extracted.count === 1 ? sql : '');
      if (values !== undefined) prepared.bind(values);
      return prepared.runAndReadAll();
    },
  };
}

/**
 * Runs exactly one read statement (`mqs sql "<query>"`): a text holding none or more than one statement is
 * refused before anything runs, as is any statement the engine does not type as a read.
 */
export async function runReadOnlyStatement(
  connection: DuckDBConnection,
  sql: string,
  values?: DuckDBValue[] | Record<string, DuckDBValue>,
): Promise<DuckDBResultReader> {
  const statements = await extractReadOnlyStatements(connection, sql);
  if (statements.count !== 1)
    throw new ReadOnlyStatementError(
      statements.count === 0
        ? 'the query holds no statement: pass SQL such as "from bars limit 5"'
        : `the query holds ${statements.count} statements, nothing was run: pass one per call (the prompt, mqs sql without a query, runs several one at a time)`,
    );
  return statements.run(0, values);
}

const SANDBOX_REFUSAL = /disabled (by|through) configuration|configuration has been locked/;

/**
 * For an engine error: when the sandbox refused it, what the member can do instead; otherwise undefined.
 * DuckDB's own text names the file or setting; this adds why and the fix.
 */
export function sandboxHint(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (!SANDBOX_REFUSAL.test(message)) return undefined;
  return 'the warehouse reader reads the published lake through its views and nothing else (no other files, settings or extensions): query the views (show tables lists them)';
}
