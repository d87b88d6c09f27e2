import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.ts';
import { LockedError, UsageError, WorkFailedError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { acquireAllWriterLocks } from './all-writer-locks.ts';
import { AUDIT_FILE } from './audit-log.ts';
import { type BackupManifest, copyFileHashed, readManifest } from './backup-manifest.ts';
import { defaultBackupsDir } from './backup-paths.ts';
import { listBackups } from './list-backups.ts';
import { MEMBERS_FILE } from './member-store.ts';
import { verifyBackup } from './verify-backup.ts';
import { warehouseStateEntries } from './warehouse-files.ts';

export interface RestoreBackupOptions {
  /** Absolute warehouse folder (config.warehouseDir); created if it is gone. */
  warehouseDir: string;
  /** Snapshot id, e.g. `20261126T231500Z`. */
  id: string;
  /** Folder holding the snapshot; default `<warehouseDir>/backups`. */
  backupsDir?: string;
  log: Logger;
  clock: Clock;
  /**
   * Also put back the snapshot's member list. Default false: the live `members.json` stays, so a restore never
   * brings back a revoked token. Either way it is restored from the snapshot when the live one is gone.
   */
  restoreMembers?: boolean;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Top-level warehouse entries replaced by the snapshot's (or removed, when the snapshot had none). */
  replaced: string[];
  /** Top-level entries kept as they were (the audit log; members unless restoreMembers). */
  keptLive: string[];
}

/**
 * Puts a snapshot back. Verifies it first (a corrupted snapshot changes nothing), refuses while any writer runs
 * (no waiting: a restore under a running ETL is a mistake), copies it into a staging folder beside the
 * warehouse and checks it again, then swaps each top-level entry by rename, keeping the replaced ones aside in
 * `.restore-<id>-replaced/` until every swap succeeded (and moving them back if one fails).
 * The audit log is append-only history and is never rolled back.
 */
export async function restoreBackup(options: RestoreBackupOptions): Promise<RestoreResult> {
  const { warehouseDir, id, log, clock } = options;
  const backupsDir = path.resolve(options.backupsDir ?? defaultBackupsDir(warehouseDir));
  const snapshotDir = path.join(backupsDir, id);
  if (!fs.existsSync(path.join(snapshotDir))) {
    const ids = listBackups(backupsDir).map((b) => b.id);
    throw new UsageError(
      `no snapshot ${JSON.stringify(id)} in ${backupsDir}: ${ids.length ? `use one of ${ids.join(', ')}` : 'it holds none (pass --from DIR if they are elsewhere)'}`,
    );
  }
  const verification = await verifyBackup(snapshotDir);
  if (!verification.ok)
    throw new WorkFailedError(
      `snapshot ${id} failed verification, nothing was changed: ${verification.problems.slice(0, 5).join('; ')}`,
    );
  const manifest = readManifest(snapshotDir);

  fs.mkdirSync(warehouseDir, { recursive: true });
  let locks: Awaited<ReturnType<typeof acquireAllWriterLocks>>;
  try {
    locks = await acquireAllWriterLocks(warehouseDir, { command: 'mqs restore', clock, waitMs: 0, log });
  } catch (error) {
    if (error instanceof LockedError)
      throw new LockedError(`restore refused while a writer runs: ${error.message}`, { cause: error });
    throw error;
  }
  try {
    const leftover = fs.readdirSync(warehouseDir).find((n) => n.startsWith('.restore-'));
    if (leftover)
      throw new WorkFailedError(
        `${path.join(warehouseDir, leftover)} is left from an interrupted restore: check what it holds, move it away, then run again`,
      );
    const staging = path.join(warehouseDir, `.restore-${id}-staging`);
    const aside = path.join(warehouseDir, `.restore-${id}-replaced`);

    // 1. Stage beside the warehouse (same file system, so the swap is a rename) and check every byte again.
    try {
      for (const file of manifest.files) {
        const parts = file.path.split('/');
        const copied = await copyFileHashed(path.join(snapshotDir, ...parts), path.join(staging, ...parts));
        if (copied.sha256 !== file.sha256 || copied.size !== file.size)
          throw new WorkFailedError(
            `snapshot ${id}: ${file.path} changed while it was staged; nothing was changed`,
          );
      }
    } catch (error) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw error;
    }

    // 2. Decide what is swapped: everything the snapshot or the live warehouse holds, except what stays live.
    const snapshotEntries = new Set(manifest.files.map((f) => f.path.split('/')[0]!));
    const liveEntries = warehouseStateEntries(warehouseDir, [backupsDir]);
    const keepLive = new Set([AUDIT_FILE, ...(options.restoreMembers ? [] : [MEMBERS_FILE])]);
    const keptLive = [...keepLive].filter((name) => liveEntries.includes(name));
    const swapped = [...new Set([...snapshotEntries, ...liveEntries])]
      .filter((name) => !keptLive.includes(name))
      .sort();

    // 3. Swap: live entry aside, staged entry in. Undo in reverse order on any failure.
    fs.mkdirSync(aside);
    const undo: Array<() => void> = [];
    try {
      for (const name of swapped) {
        const live = path.join(warehouseDir, name);
        const staged = path.join(staging, name);
        if (fs.existsSync(live)) {
          fs.renameSync(live, path.join(aside, name));
          undo.push(() => fs.renameSync(path.join(aside, name), live));
        }
        if (fs.existsSync(staged)) {
          fs.renameSync(staged, live);
          undo.push(() => fs.renameSync(live, staged));
        }
      }
      for (const file of manifest.files) {
        const top = file.path.split('/')[0]!;
        if (!swapped.includes(top)) continue;
        const size = fs.statSync(path.join(warehouseDir, ...file.path.split('/'))).size;
        if (size !== file.size)
          throw new WorkFailedError(`after the swap ${file.path} has ${size} bytes, not ${file.size}`);
      }
    } catch (error) {
      for (const step of undo.reverse()) {
        try {
          step();
        } catch (undoError) {
          log.error({ err: undoError, aside }, 'could not move a replaced entry back; it is kept aside');
        }
      }
      log.error({ err: error, id }, 'restore failed and was rolled back');
      throw error;
    }
    // 4. Done: the replaced state is no longer needed.
    fs.rmSync(aside, { recursive: true, force: true });
    fs.rmSync(staging, { recursive: true, force: true });
    log.info({ id, replaced: swapped, keptLive }, 'snapshot restored');
    return { manifest, replaced: swapped, keptLive };
  } finally {
    locks.release();
  }
}
