/**
 * Test helper: a warehouse whose lake holds fixture 1-minute bars, published as one snapshot per batch of
 * windows (each window for every symbol), through the ETL's own writer.
 */
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { fixtureIntradayColumns } from '../../transform/testing/intraday-fixture.ts';
import { transformIntraday } from '../../transform/transform-intraday.ts';
import { openWarehouseWriter } from '../warehouse-writer.ts';

export interface FixtureSnapshot {
  windows: { from: string; to: string }[];
  /** The fixture's price variant (a later snapshot with another variant rewrites the same windows). */
  variant?: number;
}

export async function publishFixtureWindows(
  warehouseDir: string,
  symbols: readonly string[],
  snapshots: readonly FixtureSnapshot[],
): Promise<void> {
  const writer = await openWarehouseWriter({ warehouseDir, log: silentLogger(), clock: systemClock });
  try {
    const loadId = await writer.beginLoad('fixture');
    for (const { windows, variant = 0 } of snapshots) {
      const commits = symbols.flatMap((symbol) =>
        windows.map((w) => {
          const window = { symbol, interval: '1min' as const, ...w };
          return transformIntraday(window, fixtureIntradayColumns(symbol, '1min', w.from, w.to, variant), {
            loadId,
          });
        }),
      );
      await writer.commitIntraday(commits, loadId);
      await writer.publish();
    }
  } finally {
    writer.close();
  }
}
