import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { type Simulator, startSimulator } from '../sim/simulator.ts';
import { readWarehouseStatus } from './warehouse-status.ts';

// why: end to end through the CLI (exit codes, what is printed, what is left on disk); the second FMP origin is a
// simulator on its own port in this process, so the child must be awaited asynchronously while it serves. What
// the warehouse holds between the runs is read in this process, with what `mqs status --json` prints.
const mqs = path.resolve(import.meta.dirname, '..', '..', 'scripts', 'mqs.mjs');
const ETL = [
  'etl',
  '--tickers',
  'AAPL',
  '--from',
  '2024-03-11',
  '--to',
  '2024-03-12',
  '--datasets',
  'intraday',
];
let root: string;
let other: Simulator;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-source-'));
  other = await startSimulator({ port: 0 });
});
afterAll(async () => {
  await other.close();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function mqsRun(warehouseDir: string, args: string[], fmp: 'built-in' | 'other'): Promise<Run> {
  const env = {
    ...process.env,
    WAREHOUSE_DIR: warehouseDir,
    LOG_LEVEL: 'warn',
    FMP_API_KEY: fmp === 'other' ? other.apiKey : '',
    FMP_BASE_URL: fmp === 'other' ? other.url : '',
  };
  return new Promise((resolve) => {
    // cwd: a folder without .env, so only the settings above count
    execFile(process.execPath, [mqs, ...args], { env, cwd: root }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** What `mqs status --json --runs 50` prints, as parsed JSON. */
async function status(warehouseDir: string) {
  const read = await readWarehouseStatus(warehouseDir, { log: silentLogger(), clock: systemClock, runs: 50 });
  return JSON.parse(JSON.stringify(read)) as typeof read;
}

/** Names, sizes and modification times of the lake's files: a refused run must leave them alone. */
function lakeFiles(warehouseDir: string): string[] {
  const lake = path.join(warehouseDir, 'lake');
  return (fs.readdirSync(lake, { recursive: true }) as string[])
    .map((f) => path.join(lake, f))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => `${path.relative(lake, f)} ${fs.statSync(f).size} ${fs.statSync(f).mtimeMs}`)
    .sort();
}

// why: each case runs mqs three to eight times; on a busy 2-core machine one run can take several seconds.
describe('a warehouse holds one source', { timeout: 240_000 }, () => {
  it('refuses an FMP origin after the built-in simulator, with exit 2 and nothing written; status names the source', async () => {
    const dir = path.join(root, 'from-simulator');
    const first = await mqsRun(dir, ETL, 'built-in');
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('SYNTHETIC DATA: this run loads bars from the built-in FMP simulator');
    expect(first.stdout).toContain(
      'SYNTHETIC DATA: loaded from the built-in FMP simulator (synthetic data, seed 1)',
    );
    const before = { status: await status(dir), lake: lakeFiles(dir) };
    expect(before.status.sources).toEqual(['simulator seed=1']);
    expect(before.status.runs.map((r) => r.source)).toEqual(['simulator seed=1']);

    other.resetStats();
    const refused = await mqsRun(dir, ETL, 'other');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'holds data loaded from the built-in FMP simulator (synthetic data, seed 1)',
    );
    expect(refused.stderr).toContain(`this run would load from FMP at ${other.url}`);
    expect(refused.stderr).toContain('mqs warehouse reset --yes');
    expect(other.stats().requests).toBe(0);
    expect({ status: await status(dir), lake: lakeFiles(dir) }).toEqual(before);

    const text = await mqsRun(dir, ['status'], 'built-in');
    expect(text.stdout).toContain('data source: the built-in FMP simulator (synthetic data, seed 1)');
  });

  it('refuses the built-in simulator after an FMP origin, and loads from another source after a reset', async () => {
    const dir = path.join(root, 'from-fmp');
    const first = await mqsRun(dir, ETL, 'other');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`source: FMP at ${other.url}\n`);
    expect(first.stderr).not.toContain('SYNTHETIC DATA');
    const before = { status: await status(dir), lake: lakeFiles(dir) };
    expect(before.status.sources).toEqual([other.url]);

    const refused = await mqsRun(dir, ETL, 'built-in');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`holds data loaded from FMP at ${other.url}`);
    expect(refused.stderr).toContain('this run would load from the built-in FMP simulator');
    expect(refused.stderr).not.toContain('SYNTHETIC DATA: this run loads'); // refused before the simulator started
    expect({ status: await status(dir), lake: lakeFiles(dir) }).toEqual(before);
    const demo = await mqsRun(dir, ['demo'], 'built-in');
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain(`holds data loaded from FMP at ${other.url}`);

    const unconfirmed = await mqsRun(dir, ['warehouse', 'reset'], 'built-in');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('etl.duckdb');
    expect((await status(dir)).sources).toEqual([other.url]);
    const reset = await mqsRun(dir, ['warehouse', 'reset', '--yes'], 'built-in');
    expect(reset.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'etl.duckdb'))).toBe(false);
    const again = await mqsRun(dir, ETL, 'built-in');
    expect(again.code).toBe(0);
    expect((await status(dir)).sources).toEqual(['simulator seed=1']);
  });

  it('the scheduled run refuses to start without FMP_API_KEY and FMP_BASE_URL', async () => {
    const tickers = path.join(root, 'tickers.txt');
    fs.writeFileSync(tickers, 'AAPL\n');
    const r = await mqsRun(
      path.join(root, 'scheduled'),
      ['schedule', '--once', '--tickers-file', tickers],
      'built-in',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'mqs schedule loads market data unattended and needs FMP_API_KEY and FMP_BASE_URL',
    );
    expect(fs.existsSync(path.join(root, 'scheduled', 'etl.duckdb'))).toBe(false);
  });
});
