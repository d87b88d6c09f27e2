/**
 * Test fixtures: writes bar rows as the writer's `bars` table holds them (symbol, interval, bar_start_at,
 * bar_end_at, session_date, OHLCV) into a lake laid out as publish-lake.ts lays it out, so reader-side tests
 * (portfolios, quality checks) can build a warehouse without running the ETL.
 * why: the file columns come from LAKE_SOURCES, the one declaration of the lake's format, so a fixture cannot
 * drift from what the views read.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LAKE_SOURCES } from '../lake-sources.ts';
import { DATA_FILE } from '../publish-lake.ts';

const DERIVED: Record<string, string> = {
  bar_seconds: '(epoch(bar_end_at) - epoch(bar_start_at))::SMALLINT',
  load_id: '1::BIGINT',
};

/** Copies `relation` (a table or view name) into `<warehouseDir>/lake/bars/interval=…/month=…/data_0.parquet`. */
export async function copyBarsToLake(
  connection: DuckDBConnection,
  relation: string,
  warehouseDir: string,
): Promise<string[]> {
  const source = LAKE_SOURCES.find((s) => s.name === 'bars')!;
  const select = source.columns
    .map(([name, type]) => `${DERIVED[name] ?? name}::${type} AS ${name}`)
    .join(', ');
  const partitions = (
    await connection.runAndReadAll(
      `SELECT DISTINCT interval, strftime(session_date, '%Y-%m') FROM ${relation} ORDER BY ALL`,
    )
  ).getRowsJson() as string[][];
  const files: string[] = [];
  for (const [interval, month] of partitions) {
    const dir = path.join(warehouseDir, 'lake', source.dir, `interval=${interval}`, `month=${month}`);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, DATA_FILE);
    await connection.run(`COPY (SELECT ${select} FROM ${relation}
      WHERE interval = '${interval}' AND strftime(session_date, '%Y-%m') = '${month}' ORDER BY symbol, bar_start_at)
      TO '${file}' (FORMAT parquet, COMPRESSION zstd)`);
    files.push(file);
  }
  return files;
}
