import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.ts';
import { UsageError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { acquireAllWriterLocks } from './all-writer-locks.ts';
import { type BackupFile, type BackupManifest, copyFileHashed, writeManifest } from './backup-manifest.ts';
import { defaultBackupsDir, snapshotIdAt } from './backup-paths.ts';
import { type RetentionPolicy, snapshotsToPrune } from './backup-retention.ts';
import { listBackups } from './list-backups.ts';
import { listStateFiles, warehouseStateEntries } from './warehouse-files.ts';

export interface CreateBackupOptions {
  /** Absolute warehouse folder (config.warehouseDir). */
  warehouseDir: string;
  /** Folder the snapshot goes in; default `<warehouseDir>/backups`. Another disk is better. */
  backupsDir?: string;
  log: Logger;
  clock: Clock;
  /** Recorded in the manifest: a member name, `unclaimed:<user>`, or `schedule`. */
  createdBy?: string;
  /** How long to wait for a running writer (ETL, books, members) to finish, ms. Default 60 000. */
  lockWaitMs?: number;
  /** After the snapshot, remove old ones in the same folder by this policy; default: keep everything. */
  retention?: RetentionPolicy;
}

export interface BackupResult {
  manifest: BackupManifest;
  /** Absolute folder of the new snapshot. */
  dir: string;
  /** Ids of the snapshots retention removed. */
  pruned: string[];
}

function freeSnapshotId(backupsDir: string, ms: number): string {
  const base = snapshotIdAt(ms);
  let id = base;
  for (
    let n = 2;
    fs.existsSync(path.join(backupsDir, id)) || fs.existsSync(path.join(backupsDir, `${id}.partial`));
    n++
  )
    id = `${base}-${n}`;
  return id;
}

/**
 * Takes a consistent snapshot of the warehouse: every store, the lake, reports, members and the audit log, copied
 * while holding every writer lock (so nothing is half-written), with a manifest of paths, sizes and SHA-256.
 * The snapshot is built in `<id>.partial` and renamed into place once complete. Then applies retention, if given.
 * This is what the nightly schedule calls after the ETL.
 */
export async function createBackup(options: CreateBackupOptions): Promise<BackupResult> {
  const { warehouseDir, log, clock } = options;
  const backupsDir = path.resolve(options.backupsDir ?? defaultBackupsDir(warehouseDir));
  fs.mkdirSync(backupsDir, { recursive: true });
  const locks = await acquireAllWriterLocks(warehouseDir, {
    command: 'mqs backup',
    clock,
    waitMs: options.lockWaitMs ?? 60_000,
    log,
  });
  let manifest: BackupManifest;
  let dir: string;
  try {
    const startedAt = clock.now();
    const id = freeSnapshotId(backupsDir, startedAt);
    const partial = path.join(backupsDir, `${id}.partial`);
    dir = path.join(backupsDir, id);
    const entries = warehouseStateEntries(warehouseDir, [backupsDir]);
    const files: BackupFile[] = [];
    try {
      for (const relative of listStateFiles(warehouseDir, entries, [backupsDir])) {
        const parts = relative.split('/');
        const copied = await copyFileHashed(path.join(warehouseDir, ...parts), path.join(partial, ...parts));
        files.push({ path: relative, ...copied });
      }
      // why: a warehouse no run has written holds nothing to restore; a backup of it would be an empty folder
      // (and its manifest had no folder to go in: a raw ENOENT).
      if (files.length === 0)
        throw new UsageError(
          `${path.resolve(warehouseDir)} holds nothing to back up yet: run mqs etl first (or check WAREHOUSE_DIR)`,
        );
      manifest = {
        format: 1,
        id,
        createdAt: new Date(startedAt).toISOString(),
        ...(options.createdBy ? { createdBy: options.createdBy } : {}),
        sourceDir: path.resolve(warehouseDir),
        files,
        totalBytes: files.reduce((sum, f) => sum + f.size, 0),
      };
      writeManifest(partial, manifest);
      fs.renameSync(partial, dir);
    } catch (error) {
      fs.rmSync(partial, { recursive: true, force: true });
      throw error;
    }
  } finally {
    locks.release();
  }
  log.info(
    { id: manifest.id, files: manifest.files.length, bytes: manifest.totalBytes, dir },
    'backup written',
  );
  const pruned: string[] = [];
  if (options.retention) {
    const usable = listBackups(backupsDir).filter((b) => !b.problem && b.createdAt);
    const doomed = snapshotsToPrune(
      usable.map((b) => ({ id: b.id, createdAtMs: Date.parse(b.createdAt!) })),
      options.retention,
    ).filter((id) => id !== manifest.id);
    for (const id of doomed) {
      fs.rmSync(path.join(backupsDir, id), { recursive: true, force: true });
      pruned.push(id);
    }
    if (pruned.length) log.info({ pruned, ...options.retention }, 'old backups removed by retention');
  }
  return { manifest, dir, pruned };
}
