import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { openWarehouseWriter } from '../publish/warehouse-writer.ts';
import { DIED_RUN_STATUS, readWarehouseStatus } from './warehouse-status.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const log = silentLogger();

describe('mqs status', () => {
  it('shows a run that died without finishing (kill -9) as interrupted, not running forever', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-status-'));
    dirs.push(dir);
    // a run that began and never finished: its process was killed, the lock it held is gone
    const killed = await openWarehouseWriter({ warehouseDir: dir, log, clock: systemClock });
    await killed.beginLoad('mqs etl');
    killed.close();
    const next = await openWarehouseWriter({ warehouseDir: dir, log, clock: systemClock });
    const loadId = await next.beginLoad('mqs etl');
    await next.finishLoad(loadId, { status: 'ok' });
    next.close();

    const status = await readWarehouseStatus(dir, { log, clock: systemClock });
    expect(status.runs.map((r) => r.status)).toEqual(['ok', DIED_RUN_STATUS]);
    expect(fs.existsSync(path.join(dir, 'etl.lock'))).toBe(false);
  });

  it('reads a folder no ETL has written without creating anything in it', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-status-'));
    dirs.push(parent);
    const missing = path.join(parent, 'no-warehouse-here');
    const status = await readWarehouseStatus(missing, { log, clock: systemClock });
    expect(status.series).toEqual([]);
    expect(status.runs).toEqual([]);
    expect(fs.existsSync(missing)).toBe(false);
  });
});
