import fs from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE } from './backup-manifest.ts';
import { SNAPSHOT_ID } from './backup-paths.ts';

/** True when a folder holds snapshots (a `--to` target inside the warehouse): never snapshot or replace it. */
function holdsSnapshots(dir: string): boolean {
  try {
    return fs
      .readdirSync(dir)
      .some(
        (name) =>
          SNAPSHOT_ID.test(name.replace(/\.partial$/, '')) &&
          (name.endsWith('.partial') || fs.existsSync(path.join(dir, name, MANIFEST_FILE))),
      );
  } catch {
    return false;
  }
}

/**
 * Top-level entries of the warehouse folder that are not part of its state: snapshots themselves, per-command
 * logs, writer lock files, and the staging/aside folders of a restore in progress.
 */
export function isTransientEntry(name: string): boolean {
  return (
    name === 'backups' ||
    name === 'logs' ||
    name.endsWith('.lock') ||
    name.includes('.tmp-') ||
    name.endsWith('.tmp') ||
    name.startsWith('.restore-')
  );
}

/**
 * The top-level names a snapshot covers in a warehouse folder: every store (`etl.duckdb`, `books.duckdb`, their
 * `.wal` files, `catalog.duckdb`), the lake, reports, members and the audit log; not backups, logs or locks.
 * `exclude` names absolute folders to leave out as well; any folder holding snapshots is left out anyway.
 */
export function warehouseStateEntries(warehouseDir: string, exclude: string[] = []): string[] {
  if (!fs.existsSync(warehouseDir)) return [];
  const excluded = new Set(exclude.map((d) => path.resolve(d)));
  return fs
    .readdirSync(warehouseDir)
    .filter(
      (name) =>
        !isTransientEntry(name) &&
        !excluded.has(path.resolve(warehouseDir, name)) &&
        !holdsSnapshots(path.join(warehouseDir, name)),
    )
    .sort();
}

/** Every regular file under the given top-level entries, as `/`-separated paths relative to the warehouse. */
export function listStateFiles(warehouseDir: string, entries: string[], exclude: string[] = []): string[] {
  const excluded = exclude.map((d) => path.resolve(d) + path.sep);
  const files: string[] = [];
  const walk = (relative: string) => {
    const absolute = path.join(warehouseDir, relative);
    if (excluded.some((e) => (absolute + path.sep).startsWith(e))) return;
    const stat = fs.lstatSync(absolute);
    if (stat.isDirectory()) {
      // why: `lake/.staging/` holds half-written publish files; the next publish clears it anyway.
      if (path.basename(relative) === '.staging') return;
      for (const child of fs.readdirSync(absolute).sort()) walk(path.join(relative, child));
    } else if (stat.isFile()) {
      files.push(relative.split(path.sep).join('/'));
    }
  };
  for (const entry of entries) walk(entry);
  return files;
}
