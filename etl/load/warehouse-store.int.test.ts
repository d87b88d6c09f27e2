import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { fixtureIntradayColumns } from '../transform/testing/intraday-fixture.ts';
import { type IntradayWindow, transformIntraday } from '../transform/transform-intraday.ts';
import { WarehouseStore } from './warehouse-store.ts';

let dir: string;
let store: WarehouseStore | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-store-'));
});
afterEach(() => {
  store?.close();
  store = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const week: IntradayWindow = { symbol: 'X', interval: '1min', from: '2024-03-04', to: '2024-03-08' };
const windows = Array.from({ length: 100 }, (_, i) => ({
  ...week,
  symbol: `S${String(i).padStart(3, '0')}`,
}));
const commitOf = (w: IntradayWindow, loadId: number) =>
  transformIntraday(w, fixtureIntradayColumns(w.symbol, w.interval, w.from, w.to, 0), { loadId });

async function setting(name: string): Promise<unknown> {
  return (await store!.connection.runAndReadAll(`select current_setting('${name}')`)).getRowsJS()[0]![0];
}

describe('warehouse store memory caps', () => {
  it('retries a commit that ran out of the append cap under the merge cap, then puts the caps back', async () => {
    // why: 8 MB cannot hold a commit of 100 one-minute weeks (195k bars); 96 MB can.
    store = await WarehouseStore.open(path.join(dir, 'etl.duckdb'), {
      log: silentLogger(),
      clock: systemClock,
      memoryLimitMb: 8,
      mergeMemoryLimitMb: 96,
    });
    const before = await setting('memory_limit');
    const loadId = await store.beginLoad('test');
    const result = await store.commitIntraday(
      windows.map((w) => commitOf(w, loadId)),
      loadId,
    );
    expect(result).toEqual({ inserted: 100 * 1950, replaced: 0 });
    expect(await setting('memory_limit')).toBe(before);
    expect(await setting('preserve_insertion_order')).toBe(true);
    // why: the distinct count needs more than the 8 MB append cap.
    const [row] = await store.withMergeMemory(async () =>
      (
        await store!.connection.runAndReadAll(
          'select count(*)::integer, count(distinct (symbol, bar_start_at))::integer from bars',
        )
      ).getRowsJS(),
    );
    expect(row).toEqual([100 * 1950, 100 * 1950]);
    expect((await store.windowStates({ status: 'loaded' })).length).toBe(100);
  });

  it('reports an out-of-memory error as such when no larger cap is configured', async () => {
    store = await WarehouseStore.open(path.join(dir, 'etl.duckdb'), {
      log: silentLogger(),
      clock: systemClock,
      memoryLimitMb: 8,
    });
    const loadId = await store.beginLoad('test');
    await expect(
      store.commitIntraday(
        windows.map((w) => commitOf(w, loadId)),
        loadId,
      ),
    ).rejects.toThrow(/Out of Memory Error/);
    // why: the failed commit left nothing behind, and the connection works (its settings restored).
    expect(await setting('preserve_insertion_order')).toBe(true);
    expect((await store.connection.runAndReadAll('select count(*)::integer from bars')).getRowsJS()).toEqual([
      [0],
    ]);
    expect(await store.windowStates()).toEqual([]);
  });
});
