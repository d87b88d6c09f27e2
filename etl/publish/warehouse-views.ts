/**
 * The SQL views of `sql/` (staging → intermediate → marts, one view per file named after it), rendered for a lake
 * folder and created in a DuckDB connection: the reader's in-memory database and the CLI catalog alike.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LAKE_SOURCES, type LakeSource } from './lake-sources.ts';

export const SQL_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');
export const VIEW_LAYERS = ['staging', 'intermediate', 'marts'] as const;

export interface ViewDefinition {
  name: string;
  layer: (typeof VIEW_LAYERS)[number];
  /** The file's SQL with `{{ source('x') }}` placeholders still in it. */
  sql: string;
}

export function readViewDefinitions(sqlDir = SQL_DIR): ViewDefinition[] {
  return VIEW_LAYERS.flatMap((layer) => {
    const dir = path.join(sqlDir, layer);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((f) => ({
        name: f.replace(/\.sql$/, ''),
        layer,
        sql: fs.readFileSync(path.join(dir, f), 'utf8'),
      }));
  });
}

const SOURCE_PLACEHOLDER = /\{\{\s*source\(\s*'([a-z_]+)'\s*\)\s*\}\}/g;

/** Gives the relation (SQL) a `{{ source('x') }}` placeholder stands for. */
export type SourceRelation = (source: LakeSource) => string;

/** The view's SQL with every `{{ source('x') }}` replaced by `relationOf(source)`. */
export function renderViewSql(view: ViewDefinition, relationOf: SourceRelation): string {
  return view.sql.replace(SOURCE_PLACEHOLDER, (_, name: string) => {
    const source = LAKE_SOURCES.find((s) => s.name === name);
    if (!source)
      throw new Error(
        `sql/${view.layer}/${view.name}.sql: unknown source '${name}' (see etl/publish/lake-sources.ts)`,
      );
    return relationOf(source);
  });
}

const createViewSql = (view: ViewDefinition, relationOf: SourceRelation) =>
  `create or replace view ${view.name} as\n${renderViewSql(view, relationOf).replace(/;\s*$/, '')}`;

/**
 * Creates every view, layer by layer. Within a layer a view that refers to one not created yet is retried after
 * the others, so files need no ordering beyond their layer.
 */
export async function createViews(
  connection: DuckDBConnection,
  relationOf: SourceRelation,
  sqlDir = SQL_DIR,
): Promise<string[]> {
  const definitions = readViewDefinitions(sqlDir);
  // why one statement list first: every mqs sql and reader opens with this, and one call binds the views in
  // ~20 ms against ~45 ms a call each (docs/performance.md#cli-start-up). The views run in layer and file
  // order; when that order fails (a view refers to a later one of its layer, or a file is broken), the loop
  // below creates them one by one, retrying the ones that failed, and names the file that cannot be created.
  try {
    await connection.run(definitions.map((view) => createViewSql(view, relationOf)).join(';\n'));
    return definitions.map((view) => view.name);
  } catch {
    // fall through
  }
  const created: string[] = [];
  for (const layer of VIEW_LAYERS) {
    let pending = definitions.filter((v) => v.layer === layer);
    while (pending.length > 0) {
      const failed: { view: ViewDefinition; error: unknown }[] = [];
      for (const view of pending) {
        try {
          await connection.run(createViewSql(view, relationOf));
          created.push(view.name);
        } catch (error) {
          failed.push({ view, error });
        }
      }
      if (failed.length === pending.length) {
        const first = failed[0]!;
        throw new Error(`sql/${first.view.layer}/${first.view.name}.sql: ${(first.error as Error).message}`, {
          cause: first.error,
        });
      }
      pending = failed.map((f) => f.view);
    }
  }
  return created;
}
