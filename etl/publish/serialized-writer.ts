import type { WriterLock } from '../core/writer-lock.ts';
import type { WarehouseWriter } from './warehouse-writer-api.ts';

/**
 * Runs the writer's operations one after another. why: every operation runs statements (and transactions) on
 * one connection; calls made concurrently (a failure recorded while a batch commits) must not interleave.
 */
export function serialized(writer: WarehouseWriter, lock: WriterLock | undefined): WarehouseWriter {
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(operation: () => Promise<T>): Promise<T> => {
    const run = tail.then(operation, operation);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    beginLoad: (command, args, source) => serial(() => writer.beginLoad(command, args, source)),
    storedSources: () => serial(() => writer.storedSources()),
    finishLoad: (loadId, summary) => serial(() => writer.finishLoad(loadId, summary)),
    commitIntraday: (commits, loadId) => serial(() => writer.commitIntraday(commits, loadId)),
    commitEod: (window, bars, loadId) => serial(() => writer.commitEod(window, bars, loadId)),
    commitSplits: (window, splits, loadId) => serial(() => writer.commitSplits(window, splits, loadId)),
    commitDividends: (window, dividends, loadId) =>
      serial(() => writer.commitDividends(window, dividends, loadId)),
    recordFailure: (window, error, loadId) => serial(() => writer.recordFailure(window, error, loadId)),
    windowStates: (filter) => serial(() => writer.windowStates(filter)),
    failedWindows: () => serial(() => writer.failedWindows()),
    quarantined: (symbol) => serial(() => writer.quarantined(symbol)),
    watermarks: () => serial(() => writer.watermarks()),
    publish: () => serial(() => writer.publish()),
    manifest: () => writer.manifest(),
    close: () => {
      try {
        writer.close();
      } finally {
        lock?.release();
      }
    },
  };
}
