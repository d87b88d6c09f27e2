/**
 * The ledger's side of the snapshot commit: a writer killed after renaming a manifest into place and before its
 * ledger transaction left the ledger behind the lake; the next open applies the missing snapshots' window
 * changes from `_snapshots/`.
 */
import type { Logger } from '../core/log.ts';
import type { EtlLedger } from '../load/etl-ledger.ts';
import { readManifest, readSnapshot, snapshotVersions } from './lake-manifest.ts';

/** Replays the window changes of snapshots the ledger has not applied (a writer killed between the two). */
export async function catchUpLedger(ledger: EtlLedger, root: string, log: Logger): Promise<void> {
  const lakeVersion = readManifest(root).version;
  const ledgerVersion = await ledger.lakeVersion();
  if (ledgerVersion > lakeVersion) {
    log.warn(
      { ledgerVersion, lakeVersion },
      'the ledger is ahead of the lake (restored from different snapshots?); windows it marks loaded may lack rows: `mqs quality` shows gaps',
    );
    return;
  }
  const available = new Set(snapshotVersions(root));
  for (let version = ledgerVersion + 1; version <= lakeVersion; version++) {
    if (!available.has(version)) {
      log.warn({ version }, 'snapshot missing for the ledger replay; its windows are fetched again');
      continue;
    }
    const snapshot = readSnapshot(root, version);
    await ledger.applyManifestWindows(version, snapshot.windows);
    log.info({ version, windows: snapshot.windows.length }, 'ledger caught up with a published snapshot');
  }
}
