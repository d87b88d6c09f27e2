/**
 * Where the compiled CLI lives and whether it is as new as the TypeScript sources it was built from. Plain
 * JavaScript: the `mqs` bin reads it before anything can load TypeScript. Used by `scripts/build.mjs` too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
/** The bundle's folder: the CLI root and its chunks. */
export const DIST_CLI_DIR = path.join(DIST, 'cli');
/** The compiled CLI root. */
export const DIST_CLI = path.join(DIST_CLI_DIR, 'mqs.cjs');
/** Written last by a build: the time (ms) the build started, so a source saved during the build counts as newer. */
export const STAMP = path.join(DIST, '.built-at');
/** Written by a build: the source files (relative to ROOT, one a line) the bundle was built from. */
export const SOURCES_LIST = path.join(DIST, 'sources.txt');

/** Newest modification time (ms) of the sources the bundle was built from; Infinity when one is gone. */
export function newestSourceMtimeMs() {
  let newest = 0;
  for (const file of fs.readFileSync(SOURCES_LIST, 'utf8').split('\n')) {
    if (file === '') continue;
    const stat = fs.statSync(path.join(ROOT, file), { throwIfNoEntry: false });
    if (!stat) return Number.POSITIVE_INFINITY;
    newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/** 'fresh' when dist/ holds a build at least as new as every source it was built from; 'missing' or 'stale'. */
export function distState() {
  let builtAt;
  try {
    builtAt = Number(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return 'missing';
  }
  if (!Number.isFinite(builtAt) || !fs.existsSync(DIST_CLI) || !fs.existsSync(SOURCES_LIST)) return 'missing';
  return newestSourceMtimeMs() <= builtAt ? 'fresh' : 'stale';
}
