import fs from 'node:fs';
import path from 'node:path';
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResultReader,
  type DuckDBValue,
} from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import { sandboxConnection } from './reader-sandbox.ts';
import {
  allSnapshotFiles,
  readWarehouseSnapshot,
  snapshotRelation,
  snapshotViewSql,
  type WarehouseSnapshot,
} from './warehouse-snapshot.ts';
import { createViews } from './warehouse-views.ts';

/**
 * A private in-memory DuckDB with every view of `sql/` over ONE snapshot of the lake (the manifests current when
 * it opened); never touches the writers' files. A publish while it is open changes nothing it sees: published
 * files are immutable and stay on disk while a kept snapshot lists them (etl/README.md, retention).
 */
export interface WarehouseReader {
  /** Runs one query and reads all rows. */
  query(sql: string, values?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<DuckDBResultReader>;
  /** The raw connection. */
  connection: DuckDBConnection;
  /** View names, in creation order (staging, intermediate, marts). */
  views: string[];
  /** The manifests the views are bound to. */
  snapshot: WarehouseSnapshot;
  close(): void;
}

/**
 * Whether a lake without a manifest holds files of a v1 lake (`data_0.parquet`, rewritten in place). why: a v2
 * lake before its first snapshot has no manifest either, but never a data_0 file.
 */
function holdsV1Files(lakeDir: string): boolean {
  const candidates = ['sessions', 'splits', 'dividends'].map((d) => path.join(lakeDir, d, 'data_0.parquet'));
  const dirsIn = (dir: string) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => path.join(dir, e.name))
      : [];
  for (const interval of dirsIn(path.join(lakeDir, 'bars')))
    for (const month of dirsIn(interval)) candidates.push(path.join(month, 'data_0.parquet'));
  return candidates.some((f) => fs.existsSync(f));
}

/**
 * Starts the empty in-memory DuckDB a reader runs in. why separate: DuckDB starts on its own threads (~20 ms), so a
 * command can start it first and authorize its caller meanwhile (`mqs sql`); it opens nothing of the warehouse.
 */
export function startReaderEngine(): Promise<DuckDBInstance> {
  const warm = warmEngine;
  warmEngine = undefined;
  return warm ?? DuckDBInstance.create(':memory:');
}

let warmEngine: Promise<DuckDBInstance> | undefined;

/**
 * Starts the engine the next startReaderEngine() returns, as early as a process knows it will read: `mqs sql`'s
 * warm-up calls it before the CLI root loads and parses the arguments, so DuckDB starts while they do (its
 * threads run beside them; docs/performance.md#cli-start-up). Empty, like any engine before a reader opens in it.
 * Calling it again before that start is taken changes nothing.
 */
export function warmUpReaderEngine(): void {
  warmEngine ??= DuckDBInstance.create(':memory:');
  // why: a process that ends before it opens a reader (`mqs sql --help`, a refused caller) never awaits it.
  warmEngine.catch(() => {});
}

/** Closes an engine that will not become a reader (its caller was refused, say). */
export async function closeEngine(engine: Promise<DuckDBInstance> | undefined): Promise<void> {
  if (engine) (await engine.catch(() => undefined))?.closeSync();
}

/**
 * Opens a reader over the warehouse's current snapshot (in `engine` when one was started). Works on an empty or missing lake (views then return no
 * rows). Takes no lock and never waits for a writer. Session time zone is UTC. Sandboxed: reads the snapshot's
 * files only, writes nothing, settings locked.
 */
export async function openWarehouseReader(
  warehouseDir: string,
  engine?: Promise<DuckDBInstance>,
): Promise<WarehouseReader> {
  let snapshot: WarehouseSnapshot;
  try {
    snapshot = readWarehouseSnapshot(warehouseDir);
    if (snapshot.manifests.etl.version === 0 && holdsV1Files(snapshot.lakeDir))
      throw new UsageError(
        `${snapshot.lakeDir} was published by an older mqs (no manifest.json); run \`mqs etl\` once to upgrade the warehouse to lake v2`,
      );
  } catch (error) {
    await closeEngine(engine);
    throw error;
  }
  const instance = await (engine ?? startReaderEngine());
  const connection = await instance.connect();
  try {
    await connection.run("set TimeZone = 'UTC'");
    // why: snapshot files never change, so a footer read once stays valid for the reader's life; repeated
    // queries skip re-reading and re-parsing every file's metadata.
    await connection.run('set parquet_metadata_cache = true');
    const views = await createViews(connection, snapshotRelation(snapshot));
    await connection.run(snapshotViewSql(snapshot));
    views.push('lake_snapshot');
    // why: members query through this connection; it reads the snapshot's files and nothing else (reader-sandbox.ts).
    await sandboxConnection(connection, { allowedPaths: allSnapshotFiles(snapshot), allowedDirectories: [] });
    return {
      query: (sql, values) => connection.runAndReadAll(sql, values),
      connection,
      views,
      snapshot,
      close: () => {
        connection.closeSync();
        instance.closeSync();
      },
    };
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
}
