import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../core/errors.ts';
import { MANIFEST_FILE, readManifest, sha256File } from './backup-manifest.ts';

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

/** Rechecks every file of a snapshot against its manifest: presence, size and SHA-256; extra files are problems too. */
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
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const file of manifest.files) {
    const absolute = path.join(snapshotDir, ...file.path.split('/'));
    let size: number;
    try {
      size = fs.statSync(absolute).size;
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
    if (!entry.isFile()) continue;
    const relative = path
      .relative(snapshotDir, path.join(entry.parentPath, entry.name))
      .split(path.sep)
      .join('/');
    if (relative !== MANIFEST_FILE && !listed.has(relative))
      problems.push(`${relative}: not in the manifest`);
  }
  if (manifest.id !== id) problems.push(`manifest names snapshot ${manifest.id}, folder is ${id}`);
  return { id, ok: problems.length === 0, problems, checkedFiles, checkedBytes };
}
