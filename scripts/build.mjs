/**
 * `npm run build` (also run by `npm ci` / `npm install` through `prepare`): compiles the TypeScript sources of
 * etl/, scripts/ and portfolios/ into dist/ with tsc (tsconfig.build.json: imports rewritten from .ts to .js, no
 * type check — `npm run typecheck` does that), then links every other file those folders hold (and sql/) into
 * dist/ beside the compiled modules, so code that reads files next to itself (sql/, etl/sim/sim-universe.txt)
 * reads the very same files. The sources stay the single truth: dist/ is git-ignored and the `mqs` bin runs the
 * sources through tsx whenever dist/ is missing or older than them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DIST, ROOT, SOURCE_DIRS, STAMP } from './build-state.mjs';

const startedAt = Date.now();
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // why: an install without dev dependencies has no tsc; mqs still works, from the sources through tsx.
  process.stderr.write(
    'build: typescript is not installed; mqs will run from the TypeScript sources (slower)\n',
  );
  process.exit(0);
}
fs.rmSync(DIST, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (result.status !== 0) {
  process.stderr.write(
    'build: tsc failed; mqs will run from the TypeScript sources until the build succeeds\n',
  );
  process.exit(result.status ?? 1);
}

const link = (target) => {
  const at = path.join(DIST, path.relative(ROOT, target));
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(path.relative(path.dirname(at), target), at);
};
const linkAssets = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    // why: portfolios/<id>/ (config and strategy) are read from the sources (PROJECT_ROOT), not from dist/.
    if (entry.isDirectory()) {
      if (path.relative(ROOT, dir) !== 'portfolios') linkAssets(full);
    } else if (!entry.name.endsWith('.ts')) link(full);
  }
};
link(path.join(ROOT, 'sql'));
for (const dir of SOURCE_DIRS) linkAssets(path.join(ROOT, dir));
fs.writeFileSync(STAMP, String(startedAt));
