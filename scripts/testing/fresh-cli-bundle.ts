/**
 * Vitest global setup: the tests that spawn `mqs` run the compiled CLI in dist/, as a user's `npx mqs` does, so
 * the bundles are rebuilt first when a source is newer than them (`scripts/build.mjs`, ~4.5 s). Without this, a
 * working copy edited since its last build spawns every CLI through tsx's loader instead, ~1 s more a spawn and
 * not the code that ships. A fresh clone's bundle is already built by `npm ci` (`prepare`).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { distState, ROOT } from '../build-state.mjs';

export default function setup(): void {
  if (distState() === 'fresh') return;
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`npm run build failed before the tests (exit ${build.status}):\n${build.stderr}`);
  }
}
