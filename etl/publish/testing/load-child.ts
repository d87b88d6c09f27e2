/**
 * A child process for the crash and concurrency tests: loads a fixed set of windows the way the pipeline does
 * (skip windows already loaded, commit one at a time, publish every N windows and at the end), then prints a
 * JSON summary of etl.duckdb. Usage: node --import tsx load-child.ts <warehouseDir> [publishEvery] [week|day]
 * (`day`: one-day windows of the first two symbols, so a run publishes 30 snapshots and compacts partitions).
 * Imported, it runs nothing: `loadChildWindows` does the same load in the importing process.
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { addDays } from '../../core/time.ts';
import { fixtureIntradayColumns } from '../../transform/testing/intraday-fixture.ts';
import { type IntradayWindow, transformIntraday } from '../../transform/transform-intraday.ts';
import { openWarehouseWriter } from '../warehouse-writer.ts';

export const CHILD_SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];
/** Mondays of the weeks loaded; the first week straddles a month end (two lake partitions). */
export const CHILD_WEEKS = ['2024-02-26', '2024-03-04', '2024-03-11'];

export function childWindows(span: 'week' | 'day' = 'week'): IntradayWindow[] {
  if (span === 'day')
    return CHILD_WEEKS.flatMap((monday) =>
      [0, 1, 2, 3, 4].flatMap((d) =>
        CHILD_SYMBOLS.slice(0, 2).map((symbol) => ({
          symbol,
          interval: '1min' as const,
          from: addDays(monday, d),
          to: addDays(monday, d),
        })),
      ),
    );
  return CHILD_WEEKS.flatMap((monday) =>
    CHILD_SYMBOLS.map((symbol) => ({
      symbol,
      interval: '1min' as const,
      from: monday,
      to: addDays(monday, 4),
    })),
  );
}

/** Loads what is missing of `childWindows(span)`; returns the summary line the child prints (without newline). */
export async function loadChildWindows(
  warehouseDir: string,
  publishEvery = 4,
  span: 'week' | 'day' = 'week',
  onReady: () => void = () => {},
): Promise<string> {
  const writer = await openWarehouseWriter({
    warehouseDir,
    log: silentLogger(),
    clock: systemClock,
    command: 'load-child',
    lockWaitMs: 10_000,
  });
  // why: the crash test kills at random points after this, where the interesting work happens.
  onReady();
  try {
    const loadId = await writer.beginLoad('load-child');
    const loaded = new Set(
      (await writer.windowStates({ status: 'loaded' })).map((w) => `${w.symbol}/${w.from}/${w.to}`),
    );
    let sincePublish = 0;
    for (const window of childWindows(span)) {
      if (loaded.has(`${window.symbol}/${window.from}/${window.to}`)) continue;
      const columns = fixtureIntradayColumns(window.symbol, window.interval, window.from, window.to);
      await writer.commitIntraday([transformIntraday(window, columns, { loadId })], loadId);
      if (++sincePublish >= publishEvery) {
        await writer.publish();
        sincePublish = 0;
      }
    }
    await writer.commitSplits(
      { symbol: 'AAA', from: '2024-01-01', to: '2024-12-31' },
      [{ symbol: 'AAA', date: '2024-03-06', numerator: 2, denominator: 1 }],
      loadId,
    );
    await writer.publish();
    await writer.finishLoad(loadId, { status: 'ok' });
    const states = await writer.windowStates();
    return JSON.stringify({
      windows: states.map((s) => `${s.dataset}/${s.symbol}/${s.from}/${s.status}/${s.rowCount}`),
    });
  } finally {
    writer.close();
  }
}

// why: run as a script (the TypeScript source or its compiled copy in dist/), not when a test imports it.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, every, span] = process.argv.slice(2);
  if (!dir) throw new Error('usage: load-child.ts <warehouseDir> [publishEvery] [week|day]');
  const summary = await loadChildWindows(dir, Number(every ?? 4), span === 'day' ? 'day' : 'week', () =>
    process.stderr.write('ready\n'),
  );
  process.stdout.write(`${summary}\n`);
}
