/**
 * Runs the compiled CLI (scripts/build.mjs: one CommonJS file a command, dist/cli/<command>.cjs, and mqs.cjs, the
 * root alone) with a V8 code cache: <command>-<build>.bin in MQS_CODE_CACHE_DIR (default dist/code-cache; a folder
 * only you can write, since a cache is code the CLI runs) holds the code V8 compiled for that command's last
 * successful run, so the next start reads it instead of parsing and compiling the bundle again (Node 20 caches no
 * code by itself). A missing cache, or one V8 refuses (another Node version, other V8 flags), is written when the
 * command exits 0, and the caches of earlier builds of that command are removed; a cache that cannot be written
 * (a read-only install) is skipped. `npm run build` empties dist/, caches included. Plain JavaScript: the bin
 * loads it before anything can load TypeScript.
 */
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { DIST, DIST_CLI, DIST_CLI_DIR } from './build-state.mjs';

/**
 * The bundle that runs these arguments: the command's (its name is the first word, as the CLI root reads it), or
 * the root alone for none, a mistyped one or --help and --version.
 */
export function bundleFor(argv) {
  const command = argv.find((a) => !a.startsWith('-'));
  if (command !== undefined && /^[a-z][a-z-]{0,30}$/.test(command)) {
    const bundle = path.join(DIST_CLI_DIR, `${command}.cjs`);
    if (fs.existsSync(bundle)) return { bundle, name: command };
  }
  return { bundle: DIST_CLI, name: path.basename(DIST_CLI, '.cjs') };
}

function readCache(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeCache(file, data) {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(temporary, data);
    // why a rename: two commands starting at once each write a whole file; a reader never sees half of one.
    fs.renameSync(temporary, file);
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * The cache file of this build of `bundle`. why the bundle's time and size in the name: V8 checks a cache against
 * its script's length only, so a cache of an earlier build of the same length would be taken for this one's;
 * `npm run build` empties dist/code-cache, but not a MQS_CODE_CACHE_DIR elsewhere.
 */
function cacheFileOf(bundle, name) {
  const dir = process.env.MQS_CODE_CACHE_DIR || path.join(DIST, 'code-cache');
  const { mtimeMs, size } = fs.statSync(bundle);
  return path.join(dir, `${name}-${Math.trunc(mtimeMs)}-${size}.bin`);
}

/** Removes the caches of `name` other than `keep` (earlier builds'). */
function removeOtherCaches(keep, name) {
  try {
    for (const file of fs.readdirSync(path.dirname(keep)))
      if (file.startsWith(`${name}-`) && file.endsWith('.bin') && file !== path.basename(keep))
        fs.rmSync(path.join(path.dirname(keep), file), { force: true });
  } catch {}
}

/** Runs `bundle` as Node runs a CommonJS main module, with the code cache named `name`. */
export function runCompiled({ bundle, name }) {
  const cacheFile = cacheFileOf(bundle, name);
  const cachedData = readCache(cacheFile);
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), {
    filename: bundle,
    // why no importModuleDynamically: Node 20 loses it for code from a cache; the bundle has no import()
    // (scripts/build.mjs checks; etl/core/import-module.cjs imports for it).
    cachedData,
  });
  if (cachedData === undefined || script.cachedDataRejected) {
    // why after the run, not after compiling: V8 compiles a function when it is first called, so the cache made
    // at exit holds everything the command ran; one made before running would hold the top level only.
    process.once('exit', (code) => {
      if (code !== 0) return;
      writeCache(cacheFile, script.createCachedData());
      removeOtherCaches(cacheFile, name);
    });
  }
  const module = { exports: {}, filename: bundle, id: '.', loaded: false };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
}
