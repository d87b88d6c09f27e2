/**
 * The lake's snapshot manifests. A lake root (`WAREHOUSE_DIR/lake` for the ETL, `WAREHOUSE_DIR/lake/books` for
 * the trading books) holds immutable Parquet files and a manifest naming the live ones:
 *
 *   <root>/manifest.json                 the current snapshot, replaced only by renaming a new one into place
 *   <root>/_snapshots/v<version>.json     every kept snapshot (the same JSON), for readers bound to an older one
 *                                         and for the writer's ledger replay after a crash
 *
 * A published file is never overwritten, renamed over or changed: new data goes into new files, and a file is
 * deleted only when no kept snapshot lists it (collectGarbage). A reader reads one manifest when it opens and
 * binds its views to that file list, so a publish never changes what it sees.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WindowChange } from '../load/etl-ledger.ts';

export const MANIFEST_FILE = 'manifest.json';
export const SNAPSHOTS_DIR = '_snapshots';
export const MANIFEST_FORMAT = 'mqs-lake/2';

/** One immutable Parquet file of a snapshot. */
export interface LakeFile {
  /** Relative to the lake root, `/`-separated: `bars/interval=1min/month=2024-03/part-v000012-3f9a1c.parquet`. */
  path: string;
  /** Hive partition below the dataset folder (`interval=1min/month=2024-03`), '' when unpartitioned. */
  partition: string;
  rows: number;
  bytes: number;
  /** Min/max per statistics column (symbol and the time columns), as DuckDB prints them. */
  min: Record<string, string>;
  max: Record<string, string>;
}

/** A window-state change that became true with this snapshot (the ETL's ledger replays it after a crash). */
export type ManifestWindowState = WindowChange;

export interface LakeManifest {
  format: typeof MANIFEST_FORMAT;
  /** 0 for a lake that has never been published; +1 per publish. */
  version: number;
  /** UTC ms. */
  createdAt: number;
  /** Live files per dataset (folder under the root: `bars`, `eod_bars`, `positions`, …). */
  datasets: Record<string, LakeFile[]>;
  /** Free-form facts about the snapshot (the sessions file's calendar fingerprint, the upgrade it came from). */
  properties: Record<string, string>;
  /** Ledger changes published with this snapshot (the ETL's windows); empty for other writers. */
  windows: ManifestWindowState[];
}

export function emptyManifest(): LakeManifest {
  return { format: MANIFEST_FORMAT, version: 0, createdAt: 0, datasets: {}, properties: {}, windows: [] };
}

function parseManifest(text: string, file: string): LakeManifest {
  let parsed: LakeManifest;
  try {
    parsed = JSON.parse(text) as LakeManifest;
  } catch (error) {
    throw new Error(`${file}: not a lake manifest (${(error as Error).message})`, { cause: error });
  }
  if (parsed.format !== MANIFEST_FORMAT || !Number.isInteger(parsed.version))
    throw new Error(`${file}: not a lake manifest of format ${MANIFEST_FORMAT}`);
  return parsed;
}

/** The current snapshot of a lake root, or an empty version-0 manifest when nothing was published yet. */
export function readManifest(root: string): LakeManifest {
  const file = path.join(root, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyManifest();
    throw error;
  }
  return parseManifest(text, file);
}

const snapshotName = (version: number) => `v${String(version).padStart(10, '0')}.json`;

/** Versions of the kept snapshots, ascending. */
export function snapshotVersions(root: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(root, SNAPSHOTS_DIR));
  } catch {
    return [];
  }
  return names
    .map((n) => /^v(\d{10})\.json$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export function readSnapshot(root: string, version: number): LakeManifest {
  const file = path.join(root, SNAPSHOTS_DIR, snapshotName(version));
  return parseManifest(fs.readFileSync(file, 'utf8'), file);
}

function writeDurably(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

/**
 * Publishes a snapshot: its copy under `_snapshots/` first, then `manifest.json` renamed into place (the commit
 * point: readers opening after it see the new files, readers opened before keep theirs).
 */
export function writeManifest(root: string, manifest: LakeManifest): void {
  fs.mkdirSync(path.join(root, SNAPSHOTS_DIR), { recursive: true });
  const text = `${JSON.stringify(manifest)}\n`;
  writeDurably(path.join(root, SNAPSHOTS_DIR, snapshotName(manifest.version)), text);
  writeDurably(path.join(root, MANIFEST_FILE), text);
}

/** A new file name, unique in the lake: the version it is written for and a random suffix. */
export function newFileName(version: number): string {
  return `part-v${String(version).padStart(6, '0')}-${randomBytes(6).toString('hex')}.parquet`;
}

/** Retention of old snapshots and of the files only they reference. */
export interface LakeRetention {
  /** Snapshots kept besides the current one, newest first. Default 5. */
  keepSnapshots: number;
  /** Snapshots younger than this are kept whatever their number, ms. Default one hour. */
  keepMs: number;
}

export const DEFAULT_RETENTION: LakeRetention = { keepSnapshots: 5, keepMs: 60 * 60 * 1000 };

function* dataFiles(dir: string, relative = ''): Generator<string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name === SNAPSHOTS_DIR || (relative === '' && entry.name === 'books')) continue;
      yield* dataFiles(dir, rel);
    } else if (entry.name.endsWith('.parquet') || entry.name.includes('.parquet.tmp')) yield rel;
  }
}

/**
 * Deletes the snapshots past retention (the current one and, of the others, the newest `keepSnapshots` and all
 * younger than `keepMs` stay) and every Parquet file under the root that no kept snapshot lists: files replaced
 * by a compaction or a rewrite once their last snapshot expires, and files of a publish that died before its
 * manifest. Only the writer holding the root's lock may call it. Returns the files deleted.
 */
export function collectGarbage(
  root: string,
  nowMs: number,
  retention: LakeRetention = DEFAULT_RETENTION,
): string[] {
  const current = readManifest(root);
  const versions = snapshotVersions(root).filter((v) => v <= current.version);
  const older = versions.filter((v) => v < current.version).reverse();
  const kept = new Set<number>([current.version]);
  for (const [i, version] of older.entries()) {
    let keep = i < retention.keepSnapshots;
    if (!keep) {
      try {
        keep = nowMs - readSnapshot(root, version).createdAt < retention.keepMs;
      } catch {
        keep = false;
      }
    }
    if (keep) kept.add(version);
    else fs.rmSync(path.join(root, SNAPSHOTS_DIR, snapshotName(version)), { force: true });
  }
  // why: snapshots above the current version belong to a publish that died between its two renames; they were
  // never current, and the next publish reuses the number.
  for (const v of snapshotVersions(root))
    if (v > current.version) fs.rmSync(path.join(root, SNAPSHOTS_DIR, snapshotName(v)), { force: true });
  const live = new Set<string>();
  for (const version of kept) {
    const manifest = version === current.version ? current : readSnapshot(root, version);
    for (const files of Object.values(manifest.datasets)) for (const f of files) live.add(f.path);
  }
  const deleted: string[] = [];
  for (const rel of dataFiles(root)) {
    if (live.has(rel)) continue;
    fs.rmSync(path.join(root, rel), { force: true });
    deleted.push(rel);
  }
  return deleted;
}

/** A file's absolute path under its lake root (manifest paths are `/`-separated and relative to the root). */
export function lakeFilePath(root: string, file: Pick<LakeFile, 'path'>): string {
  return path.join(root, ...file.path.split('/'));
}

/** Absolute paths of a dataset's files in a snapshot. */
export function datasetPaths(root: string, manifest: LakeManifest, dataset: string): string[] {
  return (manifest.datasets[dataset] ?? []).map((f) => lakeFilePath(root, f));
}
