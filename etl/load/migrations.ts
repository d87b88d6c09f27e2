import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';

/** `sql/schema/`: numbered migrations `NNN_name.sql`, applied in order. */
export const SCHEMA_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'sql',
  'schema',
);

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir = SCHEMA_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f.replace(/\.sql$/, ''),
      sql: fs.readFileSync(path.join(dir, f), 'utf8'),
    }));
}

/**
 * Applies the migrations the database has not seen yet, each in its own transaction together with its row in
 * `schema_version`. Returns the versions applied.
 */
export async function applyMigrations(connection: DuckDBConnection, dir = SCHEMA_DIR): Promise<number[]> {
  await connection.run(
    'create table if not exists schema_version (version integer not null, name varchar not null, applied_at timestamptz not null default now())',
  );
  const seen = new Set(
    (await connection.runAndReadAll('select version from schema_version'))
      .getRowObjectsJS()
      .map((r) => Number(r.version)),
  );
  const applied: number[] = [];
  for (const migration of readMigrations(dir)) {
    if (seen.has(migration.version)) continue;
    await connection.run('begin transaction');
    try {
      await connection.run(migration.sql);
      await connection.run('insert into schema_version (version, name) values ($version, $name)', {
        version: migration.version,
        name: migration.name,
      });
      await connection.run('commit');
    } catch (error) {
      await connection.run('rollback');
      throw new Error(`schema migration ${migration.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    applied.push(migration.version);
  }
  return applied;
}
