import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../core/errors.ts';
import { readManifest } from './backup-manifest.ts';
import { SNAPSHOT_ID } from './backup-paths.ts';

/** A snapshot as listed: from its manifest, without rechecking the files (that is `verifyBackup`). */
export interface BackupSummary {
  id: string;
  /** Absolute folder of the snapshot. */
  dir: string;
  /** ISO 8601 UTC; undefined when the manifest is unreadable. */
  createdAt?: string;
  createdBy?: string;
  fileCount: number;
  /** Bytes. */
  totalBytes: number;
  /** Why the snapshot is unusable (no or damaged manifest), if it is. */
  problem?: string;
}

/** Snapshots in a backups folder, oldest first. Folders of unfinished snapshots (`*.partial`) are left out. */
export function listBackups(backupsDir: string): BackupSummary[] {
  if (!fs.existsSync(backupsDir)) return [];
  const out: BackupSummary[] = [];
  for (const id of fs.readdirSync(backupsDir).sort()) {
    const dir = path.join(backupsDir, id);
    if (!SNAPSHOT_ID.test(id) || !fs.statSync(dir).isDirectory()) continue;
    try {
      const m = readManifest(dir);
      out.push({
        id,
        dir,
        createdAt: m.createdAt,
        ...(m.createdBy ? { createdBy: m.createdBy } : {}),
        fileCount: m.files.length,
        totalBytes: m.totalBytes,
        ...(m.id !== id ? { problem: `manifest names snapshot ${m.id}, folder is ${id}` } : {}),
      });
    } catch (error) {
      out.push({ id, dir, fileCount: 0, totalBytes: 0, problem: errorMessage(error) });
    }
  }
  return out;
}
