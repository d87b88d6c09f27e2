import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../etl/core/clock.ts';
import { silentLogger } from '../../etl/core/log.ts';
import { openWarehouseWriter } from '../../etl/publish/warehouse-writer.ts';
import { fixtureIntradayColumns } from '../../etl/transform/testing/intraday-fixture.ts';
import { transformIntraday } from '../../etl/transform/transform-intraday.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const mqs = path.join(repoRoot, 'scripts', 'mqs.mjs');
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-sql-'));
  const writer = await openWarehouseWriter({ warehouseDir: dir, log: silentLogger(), clock: systemClock });
  const loadId = await writer.beginLoad('test');
  const window = { symbol: 'AAPL', interval: '15min' as const, from: '2024-07-01', to: '2024-07-05' };
  const columns = fixtureIntradayColumns('AAPL', '15min', window.from, window.to);
  await writer.commitIntraday([transformIntraday(window, columns, { loadId })], loadId);
  await writer.publish();
  writer.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = () => ({ ...process.env, WAREHOUSE_DIR: dir, LOG_LEVEL: 'silent' });
/** `mqs sql` with `script` piped to its stdin. */
const pipeScript = (script: string) =>
  spawnSync(process.execPath, [mqs, 'sql'], { env: env(), encoding: 'utf8', input: script });

describe('mqs sql', () => {
  it('prints JSON rows of a query against the views, early close included', () => {
    const out = execFileSync(
      process.execPath,
      [
        mqs,
        'sql',
        'select session_date, early_close, expected_bars, actual_bars from coverage order by 1',
        '--json',
      ],
      { env: env(), encoding: 'utf8' },
    );
    const rows = JSON.parse(out) as {
      session_date: string;
      early_close: boolean;
      expected_bars: number;
      actual_bars: string;
    }[];
    // July 4 is a holiday; July 3 closes at 13:00 (14 quarter-hours instead of 26)
    expect(rows.map((r) => [r.session_date, r.expected_bars, Number(r.actual_bars)])).toEqual([
      ['2024-07-01', 26, 26],
      ['2024-07-02', 26, 26],
      ['2024-07-03', 14, 14],
      ['2024-07-05', 26, 26],
    ]);
  });

  it('exits 2 with the database message on a bad query', () => {
    const result = spawnSync(process.execPath, [mqs, 'sql', 'select * from no_such_view'], {
      env: env(),
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no_such_view/);
  });

  it('reads a script from a pipe: results only on stdout, the last statement without a ;', () => {
    const result = pipeScript("select count(*) as n from bars;\nselect 'x' || 'y' as joined");
    expect(result.status).toBe(0);
    // 26 quarter-hours on 1, 2 and 5 July, 14 on the early close of the 3rd
    expect(result.stdout).toBe('n\n--\n92\n(1 row)\njoined\n------\nxy\n(1 row)\n');
  });

  it('stops a piped script at its first failing statement, exit 2, the error on stderr', () => {
    const result = pipeScript("select 1 as first;\nselect nope from bars;\nselect 'never' as third;\n");
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('first');
    expect(result.stdout).not.toContain('never');
    expect(result.stderr).toMatch(/nope[\s\S]*the script stopped at: select nope from bars;/);
  });
});
