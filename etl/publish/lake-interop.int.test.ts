import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetPaths, readManifest } from './lake-manifest.ts';
import { publishFixtureWindows } from './testing/publish-fixture-windows.ts';
import { openWarehouseReader } from './warehouse-reader.ts';

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-interop-'));
  // why: two snapshots, the second rewriting a week, so the manifest (not the folder) decides what is live.
  const windows = [
    { from: '2024-02-26', to: '2024-03-01' },
    { from: '2024-03-04', to: '2024-03-08' },
  ];
  await publishFixtureWindows(dir, ['AAPL', 'MSFT', 'NVDA'], [{ windows }, { windows, variant: 1 }]);
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the lake is plain Parquet another engine reads', () => {
  it('gives Polars the same row counts and sums as DuckDB over the current snapshot', async () => {
    const root = path.join(dir, 'lake');
    const manifest = readManifest(root);
    const files = datasetPaths(root, manifest, 'bars');
    expect(files.length).toBeGreaterThan(1);
    // why: files of the first snapshot are still on disk (kept for readers bound to it); only the manifest's count.
    const onDisk = (fs.readdirSync(root, { recursive: true }) as string[]).filter(
      (f) => f.startsWith('bars') && f.endsWith('.parquet'),
    );
    expect(onDisk.length).toBeGreaterThan(files.length);

    const frame = pl.concat(files.map((f) => pl.readParquet(f)));
    const polars = frame
      .groupBy('symbol')
      .agg(pl.len().alias('n'), pl.col('volume').sum().alias('v'), pl.col('close').sum().alias('c'))
      .sort('symbol')
      .toRecords();

    const reader = await openWarehouseReader(dir);
    try {
      const duck = (
        await reader.query(
          'select symbol, count(*) n, sum(volume) v, sum(close) c from bars group by symbol order by symbol',
        )
      ).getRowObjectsJS();
      expect(polars.map((r) => [r.symbol, Number(r.n), Number(r.v)])).toEqual(
        duck.map((r) => [r.symbol, Number(r.n), Number(r.v)]),
      );
      for (const [i, r] of polars.entries()) expect(Number(r.c)).toBeCloseTo(Number(duck[i]!.c), 6);
      expect(duck.map((r) => Number(r.n))).toEqual([3900, 3900, 3900]);
    } finally {
      reader.close();
    }
  });
});
