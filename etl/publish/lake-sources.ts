/**
 * The Parquet datasets under `WAREHOUSE_DIR/lake/` that the staging views read, with their columns, so a view
 * binds to a typed empty relation while a dataset has no files yet (an empty lake still has every view).
 * Other writers (the trading books) add their datasets here.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface LakeSource {
  /** Name used in `{{ source('<name>') }}` inside sql/staging files. */
  name: string;
  /** Folder under the lake. */
  dir: string;
  /** Hive partition levels below `dir` (0 = files directly in it). */
  partitionDepth: number;
  /** Hive partition columns, all VARCHAR, in path order. */
  hiveColumns: string[];
  /** Columns stored in the files, with DuckDB types. */
  columns: [name: string, type: string][];
}

export const LAKE_SOURCES: LakeSource[] = [
  {
    name: 'bars',
    dir: 'bars',
    partitionDepth: 2,
    hiveColumns: ['interval', 'month'],
    columns: [
      ['symbol', 'VARCHAR'],
      ['bar_start_at', 'TIMESTAMPTZ'],
      ['bar_end_at', 'TIMESTAMPTZ'],
      ['session_date', 'DATE'],
      ['open', 'DOUBLE'],
      ['high', 'DOUBLE'],
      ['low', 'DOUBLE'],
      ['close', 'DOUBLE'],
      ['volume', 'BIGINT'],
      ['load_id', 'BIGINT'],
    ],
  },
  {
    name: 'eod_bars',
    dir: 'eod_bars',
    partitionDepth: 1,
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
  },
  {
    name: 'splits',
    dir: 'splits',
    partitionDepth: 0,
    hiveColumns: [],
    columns: [
      ['symbol', 'VARCHAR'],
      ['date', 'DATE'],
      ['numerator', 'DOUBLE'],
      ['denominator', 'DOUBLE'],
      ['load_id', 'BIGINT'],
    ],
  },
  {
    name: 'dividends',
    dir: 'dividends',
    partitionDepth: 0,
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
  },
  {
    name: 'sessions',
    dir: 'sessions',
    partitionDepth: 0,
    hiveColumns: [],
    columns: [
      ['session_date', 'DATE'],
      ['open_at', 'TIMESTAMPTZ'],
      ['close_at', 'TIMESTAMPTZ'],
      ['early_close', 'BOOLEAN'],
    ],
  },
];

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

function hasParquet(dir: string, depth: number): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  if (depth === 0) return entries.some((e) => e.isFile() && e.name.endsWith('.parquet'));
  return entries.some(
    (e) => e.isDirectory() && e.name.includes('=') && hasParquet(path.join(dir, e.name), depth - 1),
  );
}

/**
 * The relation a staging view reads: `read_parquet` over the dataset's files (absolute paths), or a typed empty
 * relation while it has none. why: read_parquet on a glob without matches is an error, not an empty result.
 */
export function sourceRelationSql(source: LakeSource, lakeDir: string): string {
  const root = path.resolve(lakeDir, source.dir);
  if (!hasParquet(root, source.partitionDepth)) {
    const columns = [...source.columns, ...source.hiveColumns.map((c) => [c, 'VARCHAR'] as const)];
    return `(select ${columns.map(([n, t]) => `null::${t} as ${n}`).join(', ')} limit 0)`;
  }
  const glob = path.join(root, ...Array(source.partitionDepth).fill('*'), '*.parquet');
  const hive =
    source.hiveColumns.length === 0
      ? 'hive_partitioning = false'
      : `hive_partitioning = true, hive_types = {${source.hiveColumns.map((c) => `'${c}': VARCHAR`).join(', ')}}`;
  return `read_parquet(${sqlString(glob)}, ${hive})`;
}
