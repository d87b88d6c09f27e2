import path from 'node:path';

/** Where snapshots go unless `--to` / `--from` says otherwise: `<warehouseDir>/backups`. */
export function defaultBackupsDir(warehouseDir: string): string {
  return path.join(warehouseDir, 'backups');
}

/** Snapshot ids are folder names like `20261126T231500Z` or `20261126T231500Z-2`. */
export const SNAPSHOT_ID = /^\d{8}T\d{6}Z(?:-\d+)?$/;

/** The id of a snapshot taken at `ms` (UTC): `YYYYMMDDTHHMMSSZ`. */
export function snapshotIdAt(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}
