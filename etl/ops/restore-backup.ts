import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.ts';
import { LockedError, UsageError, WorkFailedError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { acquireAllWriterLocks } from './all-writer-locks.ts';
import { AUDIT_FILE } from './audit-log.ts';
import { type BackupManifest, copyFileHashed, readManifest, unsafeManifestPath } from './backup-manifest.ts';
import { defaultBackupsDir, SNAPSHOT_ID } from './backup-paths.ts';
import { listBackups } from './list-backups.ts';
import { MEMBERS_FILE } from './member-store.ts';
import { verifyBackup } from './verify-backup.ts';
import { isTransientEntry, warehouseStateEntries } from './warehouse-files.ts';

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
  const { id, log, clock } = options;
  const warehouseDir = path.resolve(options.warehouseDir);
  if (!SNAPSHOT_ID.test(id))
    throw new UsageError(
      `${JSON.stringify(id)} is not a snapshot id (like 20261126T231500Z): mqs backup list shows them`,
    );
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
  refuseEntriesOutsideTheWarehouse(manifest, warehouseDir, backupsDir);

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
    clearLeftovers(warehouseDir, log);
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
      let undone = true;
      for (const step of undo.reverse()) {
        try {
          step();
        } catch (undoError) {
          undone = false;
          log.error({ err: undoError, aside }, 'could not move a replaced entry back; it is kept aside');
        }
      }
      // why: a failed restore leaves nothing behind (a leftover folder would block the next restore); only what
      // could not be moved back stays aside, and the error says where.
      fs.rmSync(staging, { recursive: true, force: true });
      if (undone) fs.rmSync(aside, { recursive: true, force: true });
      log.error({ err: error, id }, 'restore failed and was rolled back');
      if (!undone)
        throw new WorkFailedError(
          `restore of ${id} failed (${(error as Error).message}) and could not move every replaced entry back: they are in ${aside}; move them into ${warehouseDir}, then remove that folder`,
          { cause: error },
        );
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

/**
 * Refuses, before anything is written, a manifest entry that would land outside the warehouse or on a folder a
 * restore must not replace (snapshots, logs, locks, a restore's own staging), naming the entry.
 */
function refuseEntriesOutsideTheWarehouse(
  manifest: BackupManifest,
  warehouseDir: string,
  backupsDir: string,
): void {
  for (const [index, file] of manifest.files.entries()) {
    const name = `manifest entry ${index + 1} ${JSON.stringify(file.path)}`;
    const unsafe = unsafeManifestPath(file.path, warehouseDir);
    if (unsafe) throw new WorkFailedError(`snapshot ${manifest.id}: ${name}: ${unsafe}; nothing was changed`);
    const top = file.path.split('/')[0]!;
    const topAbsolute = path.join(warehouseDir, top);
    if (isTransientEntry(top) || `${backupsDir}${path.sep}`.startsWith(`${topAbsolute}${path.sep}`))
      throw new WorkFailedError(
        `snapshot ${manifest.id}: ${name}: ${top} is not warehouse state (snapshots, logs, locks, restores) and is never replaced; nothing was changed`,
      );
  }
}

/**
 * A `.restore-*` folder found while we hold every writer lock is left by a restore that crashed. Its staging
 * copy is only a copy of a snapshot: removed. Entries it moved aside are the warehouse's earlier state: never
 * removed silently; refused with the commands that finish or undo the interrupted restore.
 */
function clearLeftovers(warehouseDir: string, log: Logger): void {
  for (const name of fs
    .readdirSync(warehouseDir)
    .filter((n) => n.startsWith('.restore-'))
    .sort()) {
    const leftover = path.join(warehouseDir, name);
    const held = fs.statSync(leftover).isDirectory() ? fs.readdirSync(leftover) : [];
    if (name.endsWith('-replaced') && held.length > 0)
      throw new WorkFailedError(
        `${leftover} holds ${held.join(', ')}, moved aside by a restore that was interrupted: the warehouse may be part old, part snapshot. ` +
          `To finish that restore, remove it and restore again: rm -rf '${leftover}' && mqs restore ID; ` +
          `to undo it, move its entries back into ${warehouseDir} first`,
      );
    fs.rmSync(leftover, { recursive: true, force: true });
    log.warn({ leftover }, 'removed the staging folder of an interrupted restore');
  }
}
