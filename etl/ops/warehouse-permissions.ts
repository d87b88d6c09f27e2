import fs from 'node:fs';
import path from 'node:path';

/** Group- or other-writable paths under a warehouse: anyone they admit can rewrite what roles protect. */
export interface LoosePermissions {
  /** Paths relative to the warehouse (`.` for the folder itself), with their octal mode, e.g. `lake 0777`. */
  paths: string[];
  /** How many were found in all (`paths` holds the first few). */
  count: number;
}

/**
 * The warehouse folder, and every folder and file below it, whose mode lets the group or others write (mode &
 * 0o022). Roles guard the CLI only: a member who can write `members.json`, the lake or a DuckDB file bypasses them.
 * Links are not followed. `limit` bounds `paths`, not the walk.
 */
export function findLoosePermissions(warehouseDir: string, limit = 5): LoosePermissions {
  const found: string[] = [];
  let count = 0;
  const visit = (relative: string) => {
    const absolute = path.join(warehouseDir, relative);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(absolute);
    } catch {
      return;
    }
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o022) !== 0) {
      count++;
      if (found.length < limit)
        found.push(`${relative || '.'} ${(stat.mode & 0o777).toString(8).padStart(4, '0')}`);
    }
    if (stat.isDirectory())
      for (const child of fs.readdirSync(absolute).sort()) visit(path.join(relative, child));
  };
  visit('');
  return { paths: found, count };
}

/** The warning `mqs members add` prints, or undefined when the warehouse is private to its owner. */
export function loosePermissionsWarning(warehouseDir: string): string | undefined {
  const loose = findLoosePermissions(warehouseDir);
  if (loose.count === 0) return undefined;
  return (
    `warning: ${loose.count} path(s) in ${warehouseDir} are writable by the group or others (${loose.paths.join(', ')}${loose.count > loose.paths.length ? ', …' : ''}): ` +
    `roles guard the mqs commands, not the files; anyone who can write them can change members, the audit log or the data. ` +
    `Fix: chmod -R go-w '${warehouseDir}' (README: "Who can do what")`
  );
}
