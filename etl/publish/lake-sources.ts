/**
 * The Parquet datasets of the lake that the staging views read: the one declaration of each dataset's file
 * format (columns and types, partitioning, sort order, the columns whose min/max the manifest records). Writers
 * produce files of exactly these columns; a view binds to a typed empty relation while a dataset has no files
 * (an empty lake still has every view). Other writers (the trading books) add their datasets here.
 */
import path from 'node:path';
import { sqlStringList } from '../core/sql-literals.ts';

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
 */
export function sourceRelationSql(source: LakeSource, files: readonly string[]): string {
  if (files.length === 0) {
    const columns = [...source.columns, ...source.hiveColumns.map((c) => [c, 'VARCHAR'] as const)];
    return `(select ${columns.map(([n, t]) => `null::${t} as ${n}`).join(', ')} limit 0)`;
  }
  const hive =
    source.hiveColumns.length === 0
      ? 'hive_partitioning = false'
      : `hive_partitioning = true, hive_types = {${source.hiveColumns.map((c) => `'${c}': VARCHAR`).join(', ')}}`;
  return `read_parquet(${sqlStringList(files)}, ${hive})`;
}
