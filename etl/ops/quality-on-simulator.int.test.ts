import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LakeManifest } from '../publish/lake-manifest.ts';
import { openWarehouseReader } from '../publish/warehouse-reader.ts';
import { symbolProfile } from '../sim/sim-symbols.ts';
import { type QualityReport, runQualityChecks } from './run-quality-checks.ts';

// A warehouse loaded the real way: `mqs etl` against the built-in simulator (seed 1), 1-minute bars for
// 2024-06-03 … 2024-06-14: NVDA (10-for-1 split on 2024-06-10), AAPL, and a thin symbol (minutes without trades).
// Then defects are injected into the loaded lake the way they happen: a stale second file in a partition
// (docs/performance.md#lake-files) and a split missing from the splits dataset.
const THIN = 'ATEN';
const mqs = path.resolve(import.meta.dirname, '..', '..', 'scripts', 'mqs.mjs');
let warehouseDir: string;
const manifestFile = () => path.join(warehouseDir, 'lake', 'manifest.json');

/** Publishes an edited copy of the current manifest for the duration of `work` (a defect readers then see). */
async function withManifest<T>(edit: (m: LakeManifest) => void, work: () => Promise<T>): Promise<T> {
  const original = fs.readFileSync(manifestFile(), 'utf8');
  const edited = JSON.parse(original) as LakeManifest;
  edit(edited);
  fs.writeFileSync(manifestFile(), JSON.stringify(edited));
  try {
    return await work();
  } finally {
    fs.writeFileSync(manifestFile(), original);
  }
}

async function check(): Promise<QualityReport> {
  const reader = await openWarehouseReader(warehouseDir);
  try {
    return await runQualityChecks(reader.connection, { sampleRows: 1000 });
  } finally {
    reader.close();
  }
}
const result = (report: QualityReport, name: string) => report.checks.find((c) => c.name === name)!;
const failing = (report: QualityReport) => report.checks.filter((c) => !c.passed).map((c) => c.name);

beforeAll(() => {
  warehouseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-quality-sim-'));
  const etl = spawnSync(
    process.execPath,
    [
      mqs,
      'etl',
      '--tickers',
      `NVDA,AAPL,${THIN}`,
      '--from',
      '2024-06-03',
      '--to',
      '2024-06-14',
      '--interval',
      '1min',
      '--datasets',
      'intraday',
      '--datasets',
      'splits',
      '--json',
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        WAREHOUSE_DIR: warehouseDir,
        FMP_API_KEY: '',
        FMP_BASE_URL: '',
        MEMBER_AUTH_TOKEN: '',
      },
    },
  );
  if (etl.status !== 0) throw new Error(`mqs etl failed (${etl.status}): ${etl.stderr}`);
});
afterAll(() => {
  fs.rmSync(warehouseDir, { recursive: true, force: true });
});

describe('quality checks on a warehouse loaded from the simulator', () => {
  it('pass, with the split explained and only the thin symbol showing gaps', async () => {
    expect(symbolProfile(THIN, 1)).toMatchObject({ thin: true, splits: [] });
    const report = await check();
    expect(failing(report)).toEqual([]);
    const gaps = result(report, 'assert_sessions_complete');
    expect(gaps.warnRows).toBeGreaterThan(0);
    expect(new Set(gaps.sample.map((r) => r.symbol))).toEqual(new Set([THIN]));
  });

  it('report the duplicates of a second file in a partition that repeats its bars', async () => {
    await withManifest(
      (m) => {
        const june = m.datasets.bars!.find((f) => f.partition === 'interval=1min/month=2024-06')!;
        m.datasets.bars!.push({ ...june });
      },
      async () => {
        const report = await check();
        expect(failing(report)).toEqual(['assert_bars_unique']);
        const duplicates = result(report, 'assert_bars_unique');
        // every bar of the month is there twice: 10 sessions × 390 minutes for NVDA and AAPL, fewer for the thin one
        expect(duplicates.errorRows).toBeGreaterThan(2 * 10 * 390);
        expect(duplicates.sample.every((r) => r.copies === '2')).toBe(true);
      },
    );
  });

  it('report the split jump once the split is missing from the splits dataset', async () => {
    await withManifest(
      (m) => {
        delete m.datasets.splits;
      },
      async () => {
        const report = await check();
        expect(failing(report)).toEqual(['assert_price_jumps_explained']);
        expect(
          result(report, 'assert_price_jumps_explained').sample.map((r) => [r.symbol, r.bar_start_at]),
        ).toEqual([['NVDA', '2024-06-10T13:30:00Z']]);
      },
    );
  });
});
