import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createReferenceStaging,
  type Manifest,
  publishReferenceLake,
  stageBodies,
} from './_reference-lake.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** An FMP 1-minute body, newest first, New York wall-clock labels. */
function body(closeOfLast: number) {
  return [
    { date: '2024-03-11 09:31:00', open: 10, low: 9.5, high: 10.5, close: closeOfLast, volume: 200 },
    { date: '2024-03-11 09:30:00', open: 10, low: 9.5, high: 10.5, close: 10.1, volume: 100 },
    { date: '2024-02-29 15:59:00', open: 11, low: 10.5, high: 11.5, close: 11, volume: 300 },
  ];
}

async function publishOnce(root: string, lakeDir: string, bodies: Record<string, unknown[]>) {
  const files = Object.entries(bodies).map(([name, rows]) => {
    const file = path.join(root, name);
    fs.writeFileSync(file, JSON.stringify(rows));
    return file;
  });
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    await createReferenceStaging(con);
    await stageBodies(con, files, '1min', 1);
    return await publishReferenceLake(con, lakeDir);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

describe('the load and ETL benches reference lake', () => {
  it('writes one sorted file a month and a manifest, dedupes against stored files, replaces changed bars', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ref-lake-'));
    dirs.push(root);
    const lakeDir = path.join(root, 'lake');
    const first = await publishOnce(root, lakeDir, {
      'AAA__2024-02-26.json': body(10.2),
      'BBB__2024-02-26.json': body(10.2),
    });
    expect(first.rows).toBe(6);
    expect(first.files).toEqual([
      'bars/interval=1min/month=2024-02/part-000001.parquet',
      'bars/interval=1min/month=2024-03/part-000001.parquet',
    ]);
    const manifest = () =>
      JSON.parse(fs.readFileSync(path.join(lakeDir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest().files[1]).toMatchObject({
      rows: 4,
      min_symbol: 'AAA',
      max_symbol: 'BBB',
      min_bar_start_at: '2024-03-11 13:30:00+00',
      max_bar_start_at: '2024-03-11 13:31:00+00',
    });

    // The same bodies again: nothing new, no file, the manifest unchanged.
    const again = await publishOnce(root, lakeDir, { 'AAA__2024-02-26.json': body(10.2) });
    expect(again).toEqual({ files: [], rows: 0 });
    expect(manifest().version).toBe(1);

    // One changed bar: only its month is rewritten, the stored bars kept, the changed one replaced.
    const changed = await publishOnce(root, lakeDir, { 'AAA__2024-02-26.json': body(10.3) });
    expect(changed).toEqual({ files: ['bars/interval=1min/month=2024-03/part-000002.parquet'], rows: 1 });
    const m = manifest();
    expect(m.version).toBe(2);
    expect(m.files.map((f) => [f.path, f.rows])).toEqual([
      ['bars/interval=1min/month=2024-02/part-000001.parquet', 2],
      ['bars/interval=1min/month=2024-03/part-000002.parquet', 4],
    ]);
    const instance = await DuckDBInstance.create(':memory:');
    const con = await instance.connect();
    const rows = (
      await con.runAndReadAll(
        `select symbol, close from read_parquet('${path.join(lakeDir, m.files[1]!.path)}') where epoch(bar_start_at) = epoch(timestamptz '2024-03-11 13:31:00+00')`,
      )
    ).getRowsJS();
    con.closeSync();
    instance.closeSync();
    expect(rows).toEqual([
      ['AAA', 10.3],
      ['BBB', 10.2],
    ]);
  });
});
