/**
 * Where the compiled CLI lives and whether it is as new as the TypeScript sources it was built from. Plain
 * JavaScript: the `mqs` bin reads it before anything can load TypeScript. Used by `scripts/build.mjs` too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
/** The compiled CLI root. */
export const DIST_CLI = path.join(DIST, 'scripts', 'cli.js');
/** Written last by a build: the time (ms) the build started, so a source saved during the build counts as newer. */
export const STAMP = path.join(DIST, '.built-at');
/** The folders compiled into dist/ (tsconfig.build.json). Strategy folders (portfolios/<id>/) are not: strategies
 * are loaded from their TypeScript source at run time. */
export const SOURCE_DIRS = ['etl', 'scripts', 'portfolios'];

/** Newest modification time (ms) of a compiled source file or of a folder holding one (an added, renamed or
 * deleted file changes its folder's time). Test files do not count. */
export function newestSourceMtimeMs() {
  let newest = 0;
  const visit = (dir, depth) => {
    newest = Math.max(newest, fs.statSync(dir).mtimeMs);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!(dir.endsWith(`${path.sep}portfolios`) && depth === 0)) visit(full, depth + 1);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        newest = Math.max(newest, fs.statSync(full).mtimeMs);
      }
    }
  };
  for (const dir of SOURCE_DIRS) visit(path.join(ROOT, dir), 0);
  return newest;
}

/** 'fresh' when dist/ holds a build at least as new as every source; 'missing' or 'stale' otherwise. */
export function distState() {
  let builtAt;
  try {
    builtAt = Number(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return 'missing';
  }
  if (!Number.isFinite(builtAt) || !fs.existsSync(DIST_CLI)) return 'missing';
  return newestSourceMtimeMs() <= builtAt ? 'fresh' : 'stale';
}
