import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { readWarehouseSnapshot, snapshotRelation } from './warehouse-snapshot.ts';
import { createViews, readViewDefinitions, SQL_DIR } from './warehouse-views.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A sql/ folder holding `files` (layer/name.sql → SQL). */
function sqlDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-views-'));
  dirs.push(dir);
  for (const [file, sql] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), sql);
  }
  return dir;
}

async function withConnection<T>(fn: (con: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>) {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    return await fn(con);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

const noSource = () => {
  throw new Error('no source in these views');
};

describe('createViews', () => {
  it("creates every view of the repository's sql/ over an empty lake", async () => {
    const warehouse = sqlDir({});
    const [created, views] = await withConnection(async (con) => {
      const made = await createViews(con, snapshotRelation(readWarehouseSnapshot(warehouse)));
      const listed = await con.runAndReadAll('select view_name from duckdb_views() where not internal');
      return [made, listed.getRowsJS().map((r) => String(r[0]))] as const;
    });
    const expected = readViewDefinitions(SQL_DIR).map((v) => v.name);
    expect(expected).toContain('bars');
    expect([...created].sort()).toEqual([...expected].sort());
    expect([...views].sort()).toEqual([...expected].sort());
  });

  it('creates a view that refers to a later one of its layer, after that one', async () => {
    const dir = sqlDir({
      'marts/a_first.sql': 'select answer + 1 as answer from b_second',
      'marts/b_second.sql': 'select 41 as answer',
    });
    const [created, answer] = await withConnection(async (con) => {
      const made = await createViews(con, noSource, dir);
      return [made, (await con.runAndReadAll('select answer from a_first')).getRowsJS()[0]![0]] as const;
    });
    expect([...created].sort()).toEqual(['a_first', 'b_second']);
    expect(answer).toBe(42);
  });

  it('names the file of a view that cannot be created', async () => {
    const dir = sqlDir({
      'staging/stg_ok.sql': 'select 1 as one',
      'marts/broken.sql': 'select one from no_such_view',
    });
    await expect(withConnection((con) => createViews(con, noSource, dir))).rejects.toThrow(
      /sql\/marts\/broken\.sql: .*no_such_view/,
    );
  });
});
