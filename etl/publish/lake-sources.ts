/**
 * The Parquet datasets of the lake that the staging views read: the one declaration of each dataset's file
 * format (columns and types, partitioning, sort order, the columns whose min/max the manifest records). Writers
 * produce files of exactly these columns; a view binds to a typed empty relation while a dataset has no files
 * (an empty lake still has every view). Other writers (the trading books) add their datasets here.
 */
import path from 'node:path';
import { sqlString, sqlStringList } from '../core/sql-literals.ts';

/** Which manifest lists a dataset's files: the ETL's (`lake/`) or the trading books' (`lake/books/`). */
export type LakeRoot = 'etl' | 'books';

export interface LakeSource {
  /** Name used in `{{ source('<name>') }}` inside sql/staging files. */
  name: string;
  root: LakeRoot;
  /** The dataset's key in its manifest and its folder under the root. */
  dir: string;
  /** Hive partition columns, all VARCHAR, in path order (`interval=1min/month=2024-03`). */
  hiveColumns: string[];
  /** Columns stored in the files, with DuckDB types. */
  columns: [name: string, type: string][];
  /** Row order within a file. */
  sortKeys: string[];
  /** Columns whose min/max each manifest entry records (pruning, overlap checks). */
  statsColumns: string[];
  /**
   * A DATE column (one of statsColumns) that guards each hive partition's branch of the relation with the range
   * its files hold, so a query filtering on it reads only the partitions that can match (sourceRelationSql).
   */
  pruneColumn?: string;
}

/** A file as the relation of a snapshot reads it: absolute path, partition and the manifest's min/max. */
export interface RelationFile {
  path: string;
  partition: string;
  min: Record<string, string>;
  max: Record<string, string>;
}

export const LAKE_SOURCES: LakeSource[] = [
  {
    name: 'bars',
    root: 'etl',
    dir: 'bars',
    hiveColumns: ['interval', 'month'],
    columns: [
      ['symbol', 'VARCHAR'],
      ['bar_start_at', 'TIMESTAMPTZ'],
      ['bar_seconds', 'SMALLINT'],
      ['session_date', 'DATE'],
      ['open', 'DOUBLE'],
      ['high', 'DOUBLE'],
      ['low', 'DOUBLE'],
      ['close', 'DOUBLE'],
      ['volume', 'BIGINT'],
      ['load_id', 'BIGINT'],
    ],
    sortKeys: ['symbol', 'bar_start_at'],
    statsColumns: ['symbol', 'session_date', 'bar_start_at'],
    pruneColumn: 'session_date',
  },
  {
    name: 'eod_bars',
    root: 'etl',
    dir: 'eod_bars',
    hiveColumns: ['year'],
    columns: [
      ['symbol', 'VARCHAR'],
      ['date', 'DATE'],
      ['open', 'DOUBLE'],
      ['high', 'DOUBLE'],
      ['low', 'DOUBLE'],
      ['close', 'DOUBLE'],
      ['volume', 'BIGINT'],
      ['vwap', 'DOUBLE'],
      ['load_id', 'BIGINT'],
    ],
    sortKeys: ['symbol', 'date'],
    statsColumns: ['symbol', 'date'],
    pruneColumn: 'date',
  },
  {
    name: 'splits',
    root: 'etl',
    dir: 'splits',
    hiveColumns: [],
    columns: [
      ['symbol', 'VARCHAR'],
      ['date', 'DATE'],
      ['numerator', 'DOUBLE'],
      ['denominator', 'DOUBLE'],
      ['load_id', 'BIGINT'],
    ],
    sortKeys: ['symbol', 'date'],
    statsColumns: ['symbol', 'date'],
  },
  {
    name: 'dividends',
    root: 'etl',
    dir: 'dividends',
    hiveColumns: [],
    columns: [
      ['symbol', 'VARCHAR'],
      ['date', 'DATE'],
      ['record_date', 'DATE'],
      ['payment_date', 'DATE'],
      ['declaration_date', 'DATE'],
      ['dividend', 'DOUBLE'],
      ['adj_dividend', 'DOUBLE'],
      ['frequency', 'VARCHAR'],
      ['load_id', 'BIGINT'],
    ],
    sortKeys: ['symbol', 'date'],
    statsColumns: ['symbol', 'date'],
  },
  {
    name: 'sessions',
    root: 'etl',
    dir: 'sessions',
    hiveColumns: [],
    columns: [
      ['session_date', 'DATE'],
      ['open_at', 'TIMESTAMPTZ'],
      ['close_at', 'TIMESTAMPTZ'],
      ['early_close', 'BOOLEAN'],
    ],
    sortKeys: ['session_date'],
    statsColumns: ['session_date'],
  },
  // The trading books (portfolios/books-store.ts), published by `mqs portfolios run`.
  {
    name: 'books_positions',
    root: 'books',
    dir: 'positions',
    hiveColumns: [],
    columns: [
      ['portfolio_id', 'VARCHAR'],
      ['symbol', 'VARCHAR'],
      ['quantity', 'DOUBLE'],
      ['average_cost', 'DOUBLE'],
      ['mark', 'DOUBLE'],
      ['market_value', 'DOUBLE'],
      ['as_of', 'TIMESTAMPTZ'],
    ],
    sortKeys: ['portfolio_id', 'symbol'],
    statsColumns: [],
  },
  {
    name: 'books_pnl_daily',
    root: 'books',
    dir: 'pnl_daily',
    hiveColumns: [],
    columns: [
      ['portfolio_id', 'VARCHAR'],
      ['session_date', 'DATE'],
      ['equity', 'DOUBLE'],
      ['cash', 'DOUBLE'],
      ['gross_exposure', 'DOUBLE'],
      ['net_exposure', 'DOUBLE'],
      ['realized_pnl', 'DOUBLE'],
      ['commission', 'DOUBLE'],
      ['pnl', 'DOUBLE'],
      ['daily_return', 'DOUBLE'],
      ['as_of', 'TIMESTAMPTZ'],
    ],
    sortKeys: ['portfolio_id', 'session_date'],
    statsColumns: [],
  },
  {
    name: 'books_trades',
    root: 'books',
    dir: 'trades',
    hiveColumns: [],
    columns: [
      ['portfolio_id', 'VARCHAR'],
      ['order_id', 'BIGINT'],
      ['run_id', 'BIGINT'],
      ['symbol', 'VARCHAR'],
      ['quantity', 'DOUBLE'],
      ['price', 'DOUBLE'],
      ['commission', 'DOUBLE'],
      ['realized_pnl', 'DOUBLE'],
      ['submitted_at', 'TIMESTAMPTZ'],
      ['filled_at', 'TIMESTAMPTZ'],
    ],
    sortKeys: ['portfolio_id', 'filled_at', 'order_id'],
    statsColumns: [],
  },
];

export function lakeSource(name: string): LakeSource {
  const source = LAKE_SOURCES.find((s) => s.name === name);
  if (!source) throw new Error(`unknown lake source '${name}' (see etl/publish/lake-sources.ts)`);
  return source;
}

/** The lake root folder of a dataset's manifest. */
export function lakeRootOf(lakeDir: string, root: LakeRoot): string {
  return root === 'etl' ? path.resolve(lakeDir) : path.resolve(lakeDir, 'books');
}

/**
 * The relation a staging view reads: `read_parquet` over exactly the files of one snapshot (absolute paths), or
 * a typed empty relation while the dataset has none. why: an explicit list binds the view to that snapshot (a
 * glob would pick up files a later publish adds), and read_parquet of an empty list is an error.
 *
 * A partitioned source with a `pruneColumn` reads as one branch per partition, `UNION ALL`, each guarded by the
 * range of that column its files hold (from the manifest): `where session_date between '2024-03-01' and
 * '2024-03-28'`. why: DuckDB cannot relate a filter on session_date to the `month=` folder, so one list of every
 * file opens every file's footer and row-group statistics for a one-month query; with the guards its filter
 * combiner sees that the other months' branches contradict the query's filter and drops them before any of
 * their files is read (measured in docs/performance.md#reading-the-lake).
 */
export function sourceRelationSql(source: LakeSource, files: readonly RelationFile[]): string {
  if (files.length === 0) {
    const columns = [...source.columns, ...source.hiveColumns.map((c) => [c, 'VARCHAR'] as const)];
    return `(select ${columns.map(([n, t]) => `null::${t} as ${n}`).join(', ')} limit 0)`;
  }
  const hive =
    source.hiveColumns.length === 0
      ? 'hive_partitioning = false'
      : `hive_partitioning = true, hive_types = {${source.hiveColumns.map((c) => `'${c}': VARCHAR`).join(', ')}}`;
  const read = (list: readonly RelationFile[]) =>
    `read_parquet(${sqlStringList(list.map((f) => f.path))}, ${hive})`;
  const column = source.pruneColumn;
  const partitions = new Map<string, RelationFile[]>();
  for (const file of files) {
    const list = partitions.get(file.partition);
    if (list) list.push(file);
    else partitions.set(file.partition, [file]);
  }
  if (!column || partitions.size < 2) return read(files);
  const branches = [...partitions.values()].map((list) => {
    const lows = list.map((f) => f.min[column]);
    const highs = list.map((f) => f.max[column]);
    if (lows.some((v) => v === undefined) || highs.some((v) => v === undefined))
      return `select * from ${read(list)}`;
    const low = (lows as string[]).sort()[0]!;
    const high = (highs as string[]).sort().at(-1)!;
    return `select * from ${read(list)} where ${column} between date ${sqlString(low)} and date ${sqlString(high)}`;
  });
  return `(${branches.join('\n  union all ')})`;
}
