import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError } from '../core/errors.ts';

export const MANIFEST_FILE = 'manifest.json';

/** One file of a snapshot. */
export interface BackupFile {
  /** Path relative to the warehouse folder, `/`-separated, e.g. `lake/bars/interval=1min/…/data_0.parquet`. */
  path: string;
  /** Bytes. */
  size: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
}

/** `manifest.json` of a snapshot, written last: a snapshot folder without one is incomplete. */
export interface BackupManifest {
  format: 1;
  /** Snapshot id = folder name, `YYYYMMDDTHHMMSSZ` (UTC) with `-2`, `-3` … when taken within one second. */
  id: string;
  /** When the snapshot was taken, ISO 8601 UTC. */
  createdAt: string;
  /** Who asked for it (member name or `unclaimed:<user>`); absent for scheduled backups without one. */
  createdBy?: string;
  /** The warehouse folder it was taken from (absolute). */
  sourceDir: string;
  files: BackupFile[];
  /** Sum of the file sizes, bytes. */
  totalBytes: number;
}

/** Hex SHA-256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Copies `from` to `to` (parent folders created), hashing the bytes on the way, and flushes the copy to disk.
 * Returns the size and hex SHA-256 of what was written.
 */
export async function copyFileHashed(from: string, to: string): Promise<{ size: number; sha256: string }> {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const hash = crypto.createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(fs.createReadStream(from), tap, fs.createWriteStream(to));
  const fd = fs.openSync(to, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Why a manifest entry's path cannot be trusted, or undefined when it can: a path must be relative,
 * `/`-separated, without empty, `.` or `..` segments, backslashes or NUL, and resolve inside `baseDir`
 * (the snapshot on verify, the warehouse on restore). A manifest is read from disk and may have been crafted.
 */
export function unsafeManifestPath(relative: unknown, baseDir: string): string | undefined {
  if (typeof relative !== 'string' || relative === '') return 'the path is empty or not a string';
  if (relative.includes('\0')) return 'the path holds a NUL byte';
  if (path.posix.isAbsolute(relative) || path.win32.isAbsolute(relative) || /^[A-Za-z]:/.test(relative))
    return 'the path is absolute';
  if (relative.includes('\\')) return 'the path holds a backslash';
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..'))
    return 'the path has an empty, "." or ".." segment';
  const base = path.resolve(baseDir);
  const resolved = path.resolve(base, ...segments);
  if (!resolved.startsWith(base + path.sep)) return `the path resolves outside ${base}`;
  return undefined;
}

/** Reads a snapshot's manifest; a missing or unreadable one is a CliError naming the folder. */
export function readManifest(snapshotDir: string): BackupManifest {
  const file = path.join(snapshotDir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`${snapshotDir} has no readable ${MANIFEST_FILE}: it is not a complete snapshot`, {
      cause: error,
    });
  }
  try {
    const manifest = JSON.parse(text) as BackupManifest;
    if (manifest.format !== 1 || !Array.isArray(manifest.files) || typeof manifest.id !== 'string')
      throw new Error('unknown layout');
    return manifest;
  } catch (error) {
    throw new CliError(`${file} is damaged (${(error as Error).message}): the snapshot cannot be trusted`, {
      cause: error,
    });
  }
}

/** Writes the manifest atomically (temporary name, then rename). */
export function writeManifest(snapshotDir: string, manifest: BackupManifest): void {
  const file = path.join(snapshotDir, MANIFEST_FILE);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}
