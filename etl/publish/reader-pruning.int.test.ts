import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from './lake-manifest.ts';
import { publishFixtureWindows } from './testing/publish-fixture-windows.ts';
import { openWarehouseReader } from './warehouse-reader.ts';

// Three months of 1-minute bars for three symbols, published as two snapshots, so the March partition holds
// more than one file and February and April hold others.
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-pruning-'));
  await publishFixtureWindows(
    dir,
    ['AAPL', 'MSFT', 'NVDA'],
    [
      {
        windows: [
          { from: '2024-02-26', to: '2024-03-01' },
          { from: '2024-03-04', to: '2024-03-08' },
        ],
      },
      {
        windows: [
          { from: '2024-03-11', to: '2024-03-15' },
          { from: '2024-04-01', to: '2024-04-05' },
        ],
      },
    ],
  );
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const filesRead = (plan: string) =>
  [...plan.matchAll(/Total Files Read: (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);

describe('reads prune through the manifest', () => {
  it('reads only the files of the months a session_date filter can match, and the same rows as a full read', async () => {
    const manifest = readManifest(path.join(dir, 'lake'));
    const files = manifest.datasets.bars ?? [];
    const inMarch = files.filter((f) => f.partition === 'interval=1min/month=2024-03');
    expect(new Set(files.map((f) => f.partition)).size).toBe(3);
    expect(inMarch.length).toBeGreaterThan(1);

    const reader = await openWarehouseReader(dir);
    try {
      const monthQuery = `from bars where symbol = 'AAPL' and session_date >= date '2024-03-04' and session_date < date '2024-03-16'`;
      const plan = (await reader.query(`explain analyze ${monthQuery}`)).getRowsJS()[0]![1] as string;
      expect(filesRead(plan)).toBe(inMarch.length);

      const sessionQuery = `select count(*) from bars where session_date = date '2024-04-02'`;
      const sessionPlan = (
        await reader.query(`explain analyze ${sessionQuery}`)
      ).getRowsJS()[0]![1] as string;
      expect(filesRead(sessionPlan)).toBe(files.filter((f) => f.partition.endsWith('2024-04')).length);

      // The guarded branches return exactly what one read of every file returns, per month and symbol.
      const all = files.map((f) => `'${path.join(dir, 'lake', f.path)}'`).join(', ');
      const perMonth = `select symbol, date_trunc('month', session_date) as m, count(*) as n, sum(volume) as v`;
      const viaView = (await reader.query(`${perMonth} from bars group by all order by all`)).getRowsJS();
      const direct = (
        await reader.query(`${perMonth} from read_parquet([${all}]) group by all order by all`)
      ).getRowsJS();
      expect(viaView).toEqual(direct);
      expect(viaView.length).toBe(9);
      const rows = (await reader.query(`select count(*) from bars`)).getRowsJS()[0]![0];
      expect(Number(rows)).toBe(files.reduce((sum, f) => sum + f.rows, 0));
    } finally {
      reader.close();
    }
  });
});
