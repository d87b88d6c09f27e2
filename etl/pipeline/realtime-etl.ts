/**
 * One realtime poll (the loop is realtime-poller.ts; `mqs etl realtime` wires both to the FMP client and the
 * warehouse writer). Each poll fetches today's 1-minute bars per symbol, keeps the bars that have ended and merges
 * them (a bar that changed replaces the stored one; nothing is doubled). Today's windows are then marked for the
 * nightly run to fetch whole, since a live session is never complete.
 */

import type { Session } from '../core/calendar.ts';
import type { Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { MS_PER_MINUTE, nyWallMsToUtcMs } from '../core/time.ts';
import type { FmpClient } from '../extract/fmp-client.ts';
import type { FmpIntradayColumns } from '../extract/fmp-types.ts';
import type { IntradayCommit } from '../publish/etl-stage.ts';
import type { WarehouseWriter } from '../publish/warehouse-writer.ts';
import { filterIntradayColumns } from '../transform/filter-intraday-columns.ts';
import { transformIntraday } from '../transform/transform-intraday.ts';

/** Message on today's windows: the nightly run treats them as missing and fetches the session whole. */
export const REALTIME_PARTIAL =
  'realtime: partial session from live polling; the nightly run fetches it whole';

/** The rows of bars that ended by `nowMs` (UTC). FMP may include the bar still forming. */
export function completedBars(columns: FmpIntradayColumns, nowMs: number): FmpIntradayColumns {
  return filterIntradayColumns(columns, (wallMs) => nyWallMsToUtcMs(wallMs) + MS_PER_MINUTE <= nowMs);
}

export interface RealtimePollDeps {
  client: Pick<FmpClient, 'intradayBars'>;
  writer: Pick<WarehouseWriter, 'commitIntraday' | 'publish'>;
  loadId: number;
  clock: Clock;
  log: Logger;
  /** Least time between two publishes, ms. Default 5 minutes. */
  publishEveryMs?: number;
}

/** One poll: today's bars of every symbol (concurrently, through the client's limiter), merged in one commit. */
export function makeRealtimePoll(deps: RealtimePollDeps): {
  pollOnce(symbols: readonly string[], session: Session, signal: AbortSignal | undefined): Promise<number>;
  failures(): number;
} {
  const { client, writer, loadId, clock, log } = deps;
  let lastPublishAt = Number.NEGATIVE_INFINITY;
  let failures = 0;
  const pollOnce = async (list: readonly string[], session: Session, signal: AbortSignal | undefined) => {
    const now = clock.now();
    const commits: IntradayCommit[] = [];
    await Promise.all(
      list.map(async (symbol) => {
        try {
          const columns = await client.intradayBars({
            symbol,
            interval: '1min',
            from: session.date,
            to: session.date,
            nonadjusted: true,
            signal,
          });
          const window = { symbol, interval: '1min' as const, from: session.date, to: session.date };
          const t = transformIntraday(window, completedBars(columns, now), { loadId });
          // why: a live session is never complete; its window is stored failed, atomically with the bars, so the
          // nightly run fetches it whole.
          commits.push({
            window,
            batch: t.batch,
            quarantined: t.quarantined,
            incompleteReason: REALTIME_PARTIAL,
          });
        } catch (error) {
          failures++;
          log.warn({ symbol, err: errorMessage(error) }, 'realtime poll failed for a symbol');
        }
      }),
    );
    await writer.commitIntraday(commits, loadId);
    // why: a publish rewrites the month's partition; every few minutes keeps readers close without thrashing.
    if (
      clock.now() - lastPublishAt >= (deps.publishEveryMs ?? 5 * MS_PER_MINUTE) ||
      clock.now() >= session.closeAt
    ) {
      await writer.publish();
      lastPublishAt = clock.now();
    }
    return commits.reduce((n, c) => n + c.batch.numRows, 0);
  };
  return { pollOnce, failures: () => failures };
}
