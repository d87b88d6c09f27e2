import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../core/errors.ts';
import { MANIFEST_FILE, readManifest, sha256File, unsafeManifestPath } from './backup-manifest.ts';

/** What `verifyBackup` found. */
export interface BackupVerification {
  id: string;
  ok: boolean;
  /** One line per problem: missing, wrong size, wrong checksum, unexpected file, unreadable manifest. */
  problems: string[];
  /** Files whose content was checked. */
  checkedFiles: number;
  /** Bytes read. */
  checkedBytes: number;
}

/**
 * Rechecks every file of a snapshot against its manifest: presence, size and SHA-256; extra files are problems too.
 * Trusts nothing it reads: a manifest path that is absolute, holds `..` or otherwise leaves the snapshot, a
 * duplicate, or a file that is not a regular file inside the snapshot (a symbolic link, say) is a problem naming
 * the entry, and such a file is never read.
 */
export async function verifyBackup(snapshotDir: string): Promise<BackupVerification> {
  const id = path.basename(snapshotDir);
  let manifest: ReturnType<typeof readManifest>;
  try {
    manifest = readManifest(snapshotDir);
  } catch (error) {
    return { id, ok: false, problems: [errorMessage(error)], checkedFiles: 0, checkedBytes: 0 };
  }
  const problems: string[] = [];
  let checkedFiles = 0;
  let checkedBytes = 0;
  const listed = new Set<string>();
  const realSnapshotDir = fs.realpathSync(snapshotDir);
  for (const [index, file] of manifest.files.entries()) {
    const name = `manifest entry ${index + 1} ${JSON.stringify(file?.path)}`;
    const unsafe = unsafeManifestPath(file?.path, snapshotDir);
    if (unsafe) {
      problems.push(`${name}: ${unsafe}; the snapshot cannot be trusted`);
      continue;
    }
    if (!Number.isSafeInteger(file.size) || file.size < 0 || !/^[0-9a-f]{64}$/.test(String(file.sha256))) {
      problems.push(`${name}: size or sha256 is malformed`);
      continue;
    }
    if (listed.has(file.path)) {
      problems.push(`${name}: listed twice`);
      continue;
    }
    listed.add(file.path);
    const absolute = path.join(snapshotDir, ...file.path.split('/'));
    let size: number;
    try {
      const stat = fs.lstatSync(absolute);
      if (!stat.isFile()) {
        problems.push(
          `${file.path}: not a regular file (a link or a folder); the snapshot cannot be trusted`,
        );
        continue;
      }
      // why: a linked folder on the way would lead the read outside the snapshot.
      if (!fs.realpathSync(absolute).startsWith(realSnapshotDir + path.sep)) {
        problems.push(
          `${file.path}: resolves outside the snapshot through a link; the snapshot cannot be trusted`,
        );
        continue;
      }
      size = stat.size;
    } catch {
      problems.push(`${file.path}: missing`);
      continue;
    }
    if (size !== file.size) {
      problems.push(`${file.path}: ${size} bytes, manifest says ${file.size}`);
      continue;
    }
    const sha256 = await sha256File(absolute);
    checkedFiles++;
    checkedBytes += size;
    if (sha256 !== file.sha256) problems.push(`${file.path}: checksum ${sha256} differs from the manifest's`);
  }
  for (const entry of fs.readdirSync(snapshotDir, { recursive: true, withFileTypes: true })) {
    const relative = path
      .relative(snapshotDir, path.join(entry.parentPath, entry.name))
      .split(path.sep)
      .join('/');
    if (entry.isSymbolicLink()) problems.push(`${relative}: a symbolic link; a snapshot holds none`);
    if (!entry.isFile()) continue;
    if (relative !== MANIFEST_FILE && !listed.has(relative))
      problems.push(`${relative}: not in the manifest`);
  }
  if (manifest.id !== id) problems.push(`manifest names snapshot ${manifest.id}, folder is ${id}`);
  return { id, ok: problems.length === 0, problems, checkedFiles, checkedBytes };
}
