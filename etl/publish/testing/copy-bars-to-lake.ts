/**
 * Test fixtures: writes bar rows as the transform produces them (symbol, interval, bar_start_at, bar_end_at,
 * session_date, OHLCV) into a lake snapshot through the writer's own LakeTransaction, so reader-side tests
 * (portfolios, quality checks) can build a warehouse without running the ETL.
 * why: the file columns come from LAKE_SOURCES, the one declaration of the lake's format, and the manifest from
 * the same code the ETL publishes with, so a fixture cannot drift from what the views read.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { systemClock } from '../../core/clock.ts';
import { sqlString } from '../../core/sql-literals.ts';
import { writeCatalog } from '../catalog.ts';
import { readManifest } from '../lake-manifest.ts';
import { lakeRootOf, lakeSource } from '../lake-sources.ts';
import { LakeTransaction } from '../lake-transaction.ts';
import { refreshSessionsFile } from '../sessions-file.ts';
import { lakeDirOf } from '../warehouse-snapshot.ts';

const DERIVED: Record<string, string> = {
  bar_seconds: '(epoch(bar_end_at) - epoch(bar_start_at))::SMALLINT',
  load_id: '1::BIGINT',
};

/**
 * Publishes `relation` (a table or view name) as a new snapshot of `<warehouseDir>/lake/`: one file per
 * (interval, month) partition, added to what the lake already holds. `datasets` replaces other datasets whole
 * (`{ splits: 'select …' }`, columns as LAKE_SOURCES declares them); the sessions come from the calendar unless
 * given there. Returns the files' relative paths.
 */
export async function copyBarsToLake(
  connection: DuckDBConnection,
  relation: string,
  warehouseDir: string,
  datasets: Record<string, string> = {},
): Promise<string[]> {
  const source = lakeSource('bars');
  const select = source.columns
    .map(([name, type]) => `${DERIVED[name] ?? name}::${type} AS ${name}`)
    .join(', ');
  const root = lakeRootOf(lakeDirOf(warehouseDir), 'etl');
  const tx = new LakeTransaction(root, connection, readManifest(root));
  const partitions = (
    await connection.runAndReadAll(
      `SELECT DISTINCT interval, strftime(session_date, '%Y-%m') FROM ${relation} ORDER BY ALL`,
    )
  ).getRowsJson() as string[][];
  for (const [interval, month] of partitions) {
    await tx.writeFile(
      source,
      `interval=${interval}/month=${month}`,
      `SELECT ${select} FROM ${relation}
       WHERE interval = ${sqlString(interval!)} AND strftime(session_date, '%Y-%m') = ${sqlString(month!)}`,
      { sort: true },
    );
  }
  for (const [dataset, query] of Object.entries(datasets)) {
    const previous = tx.files(dataset);
    await tx.writeFile(lakeSource(dataset), '', query, { sort: true });
    tx.remove(dataset, previous);
  }
  if (!('sessions' in datasets)) await refreshSessionsFile(connection, tx);
  tx.commit(systemClock.now());
  await writeCatalog(warehouseDir, systemClock);
  return tx.addedFiles.map((f) => f.path);
}
