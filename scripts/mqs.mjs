#!/usr/bin/env node
// The `mqs` executable. Runs the compiled CLI in dist/ (`npm run build`, which `npm ci` and `npm install` run
// through `prepare`) when it is at least as new as every TypeScript source it was built from; otherwise the
// sources themselves through tsx's loader: slower to start, never stale.
import { createRequire } from 'node:module';
import { distState } from './build-state.mjs';
import { bundleFor, runCompiled } from './run-compiled.mjs';

const state = distState();
if (state === 'fresh') {
  const compiled = bundleFor(process.argv.slice(2));
  if (process.argv.includes('--debug')) {
    // why: with --debug errors print their stack; the bundle's source maps make it name the TypeScript sources
    // (Node maps the code it loads itself; not a vm script's).
    process.setSourceMapsEnabled(true);
    createRequire(import.meta.url)(compiled.bundle);
  } else runCompiled(compiled);
} else {
  if (process.stderr.isTTY) {
    process.stderr.write(
      `mqs: the compiled CLI (dist/) is ${state === 'missing' ? 'missing' : 'older than the sources'}; running the TypeScript sources (slower start). npm run build fixes it.\n`,
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('./cli.ts');
}
