/**
 * `npm run build` (also run by `npm ci` / `npm install` through `prepare`): bundles the CLI, from its TypeScript
 * sources, with esbuild into one minified CommonJS file a command, dist/cli/<command>.cjs (the root, that command
 * and what it imports), plus dist/cli/mqs.cjs (the root alone: --help, --version, mistakes). The `mqs` bin picks
 * the command's file and runs it with a V8 code cache (scripts/run-compiled.mjs): a start reads the code V8
 * compiled for the command's last run instead of parsing and compiling it again. One file instead of hundreds of
 * modules (Node's module loader pays per module, and for `@duckdb/node-api`, CommonJS imported from an ES module,
 * it parses every file of the package twice), and none of the other commands' code (`mqs sql` reads 0.47 MB, not
 * the 1.6 MB of every command). ES module chunks, as before, cannot have a code cache in Node 20; measured in
 * docs/performance.md#cli-start-up. Types are stripped, not checked (`npm run typecheck` checks them; tsx, which
 * runs the sources, strips them with the same esbuild). The sources stay the single truth: dist/ is git-ignored
 * and the `mqs` bin runs the sources through tsx whenever the bundle is missing or older than a source it was
 * built from.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, DIST_CLI_DIR, ROOT, SOURCES_LIST, STAMP } from './build-state.mjs';

// why: packages that must be loaded from their own folder in node_modules stay outside the bundle: the DuckDB
// bindings and polars load native addons; tsx registers module hooks from its own files.
const EXTERNAL = ['@duckdb/node-bindings', 'nodejs-polars', 'tsx'];

const startedAt = Date.now();
let esbuild;
try {
  esbuild = await import(pathToFileURL(createRequire(import.meta.url).resolve('esbuild')).href);
} catch {
  // why: an install without dev dependencies may have no esbuild; mqs still works, from the sources through tsx.
  process.stderr.write(
    'build: esbuild is not installed; mqs will run from the TypeScript sources (slower)\n',
  );
  process.exit(0);
}

const toPosix = (p) => p.split(path.sep).join('/');

/**
 * Every bundled module keeps the location of its own file: `import.meta.url` in a module becomes the URL of its
 * source (or node_modules) file, and a CommonJS module's `__filename` and `__dirname` (which an ES module bundle
 * lacks) its file's path and folder, worked out from the chunk's URL at run time (never an absolute path, so the
 * checkout can move). Code that reads files next to itself (sql/, etl/core/nyse-calendar.json, yargs' locales,
 * pino's transport workers) reads the very files it reads unbundled.
 */
const keepModuleLocations = {
  name: 'keep-module-locations',
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|js|mjs|cjs)$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (/\bimport\.meta\.(dirname|filename)\b/.test(text)) {
        throw new Error(`${args.path}: use import.meta.url (the bundle keeps it, not dirname/filename)`);
      }
      const here = `new URL(${JSON.stringify(toPosix(path.relative(DIST_CLI_DIR, args.path)))}, import.meta.url)`;
      let contents;
      if (text.includes('import.meta.url')) contents = text.replaceAll('import.meta.url', `${here}.href`);
      else if (/\b__(dirname|filename)\b/.test(text)) {
        // why: after a hashbang and a 'use strict' directive, which must stay first.
        const [prologue] = /^(#![^\n]*\n)?(?:(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*(['"])use strict\2;?)?/.exec(
          text,
        );
        const own = `var __filename = require('node:url').fileURLToPath(${here.replace('import.meta.url', '__mqsChunkUrl')}), __dirname = require('node:path').dirname(__filename);`;
        contents = `${prologue};${own}${text.slice(prologue.length)}`;
      } else return undefined;
      return {
        contents,
        loader: /\.m?ts$/.test(args.path) ? 'ts' : 'js',
        resolveDir: path.dirname(args.path),
      };
    });
  },
};

/**
 * Bundled packages whose module body runs on the first use of their default export rather than when the bundle
 * loads; each importer keeps its own copy and version. string-width builds an Intl.Segmenter and compiles
 * Unicode-property regular expressions as it loads; yargs and cliui import it at start but call it only to lay out
 * help text. pino: every command with a context imports the logger module, but a command that logs nothing (`mqs
 * sql`, `mqs status`) never creates a logger (scripts/context.ts builds it on first use), so it need not run
 * pino's body and its dependencies' either (~10 ms of every start, docs/performance.md#cli-start-up). A Proxy
 * stands in for the export, a function that may carry properties (pino.destination).
 */
const EVALUATED_ON_FIRST_USE = ['string-width', 'pino'];
const evaluateOnFirstUse = {
  name: 'evaluate-on-first-use',
  setup(build) {
    const names = new RegExp(`^(${EVALUATED_ON_FIRST_USE.join('|')})$`);
    build.onResolve({ filter: names }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const real = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { real: true },
      });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: toPosix(path.relative(ROOT, real.path)), namespace: 'evaluate-on-first-use' };
    });
    build.onLoad({ filter: /.*/, namespace: 'evaluate-on-first-use' }, (args) => {
      const file = path.join(ROOT, args.path);
      // why require(): esbuild bundles a package required this way and runs its body at the call; an ES module
      // comes back as its namespace (__esModule), a CommonJS one as its exports.
      return {
        contents: `let loaded;\nconst load = () => {\n  const m = (loaded ??= require(${JSON.stringify(file)}));\n  return m.__esModule ? m.default : m;\n};\nexport default new Proxy(function () {}, {\n  apply: (_, self, args) => Reflect.apply(load(), self, args),\n  get: (_, key) => load()[key],\n});\n`,
        resolveDir: path.dirname(file),
        loader: 'js',
      };
    });
  },
};

/** The commands: one module each in scripts/commands/ (command-table.test.ts keeps the table equal to them). */
const COMMAND_NAMES = fs
  .readdirSync(path.join(ROOT, 'scripts', 'commands'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

/**
 * The entry of each command's bundle (and of the root alone, `mqs`): the CLI root with a loader of that command's
 * module only, so the bundle holds the root, the command and what it imports, and nothing of the others.
 */
const ENTRY_NAMESPACE = 'mqs-entry';
const commandEntries = {
  name: 'command-entries',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${ENTRY_NAMESPACE}:`) }, (args) => ({
      path: args.path.slice(ENTRY_NAMESPACE.length + 1),
      namespace: ENTRY_NAMESPACE,
    }));
    build.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, (args) => {
      const command = args.path;
      // why the command first, and its warm-up before the root loads: the root (yargs, the command table) then
      // loads while what the warm-up started goes on (sql: DuckDB starting on its own threads), instead of before
      // it. import() of a bundled module runs it on a later turn, so the warm-up's own imports come first.
      const contents =
        command === 'mqs'
          ? "import('./cli-root.ts').then((root) => root.runCli(() => Promise.reject(new Error('dist/cli/mqs.cjs holds no command: the bin runs a command from its own bundle'))));\n"
          : `import(${JSON.stringify(`./commands/${command}.ts`)}).then((module) => {\n  module.warmUp?.().catch(() => {});\n  return import('./cli-root.ts').then((root) => root.runCli(async () => module));\n});\n`;
      return { contents, resolveDir: path.join(ROOT, 'scripts'), loader: 'js' };
    });
  },
};

fs.rmSync(DIST, { recursive: true, force: true });
const common = {
  absWorkingDir: ROOT,
  outdir: DIST_CLI_DIR,
  entryNames: '[name]',
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  external: EXTERNAL,
  // why: error classes name themselves after their class (errors.ts); bundling (and minifying) may rename a class.
  keepNames: true,
  sourcemap: 'linked',
  plugins: [evaluateOnFirstUse, keepModuleLocations],
  metafile: true,
  logLevel: 'warning',
};
let results;
try {
  results = await Promise.all([
    // The CLI: one minified CommonJS file a command (dist/cli/<command>.cjs, and mqs.cjs with the root alone),
    // which the bin runs with a V8 code cache (scripts/run-compiled.mjs): a command's later starts skip parsing
    // and compiling the code it ran. Node 20 gives ES modules no code cache, and compiling them was ~50 ms of
    // every start (docs/performance.md#cli-start-up). One build: the sources are parsed once for all bundles.
    esbuild.build({
      ...common,
      entryPoints: Object.fromEntries(
        [...COMMAND_NAMES, 'mqs'].map((name) => [name, `${ENTRY_NAMESPACE}:${name}`]),
      ),
      outExtension: { '.js': '.cjs' },
      format: 'cjs',
      // why: import() of a package or a builtin becomes require(): a vm script run from a code cache cannot
      // import() in Node 20 (scripts/run-compiled.mjs).
      supported: { 'dynamic-import': false },
      minify: true,
      // why: the maps name the sources, which are in the checkout; their text in each map made dist/ ~60 MB.
      sourcesContent: false,
      plugins: [commandEntries, ...common.plugins],
      // why: etl/core/project-root.ts: the bundle registers tsx before it imports a TypeScript file (a
      // strategy). import.meta.url: the file's URL, where keepModuleLocations finds each module's own file from.
      define: { MQS_BUNDLED: 'true', 'import.meta.url': '__mqsChunkUrl' },
      banner: { js: "const __mqsChunkUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
    // why the load bench's parse worker and the ETL bench's contender: a worker thread or a child process does
    // not inherit the CLI's bundle; run from the sources through tsx, the parse worker spent ~1 s of CPU loading
    // modules inside the bench's timed window, and ours in the ETL bench transpiles what runEtl imports there.
    esbuild.build({
      ...common,
      entryPoints: {
        'bench-load-parse-worker': path.join(ROOT, 'scripts', 'bench', '_load-parse-worker.ts'),
        'bench-etl-contender': path.join(ROOT, 'scripts', 'bench', '_etl-contender-process.ts'),
      },
      chunkNames: '[name]-[hash]',
      splitting: true,
      format: 'esm',
      define: { MQS_BUNDLED: 'true' },
      // why: bundled CommonJS packages (DuckDB's API) require() Node's modules and the external packages; the
      // chunk's URL is where keepModuleLocations finds each module's own file from.
      banner: {
        js: "import { createRequire as __mqsCreateRequire } from 'node:module'; const require = __mqsCreateRequire(import.meta.url); const __mqsChunkUrl = import.meta.url;",
      },
    }),
  ]);
} catch {
  process.stderr.write(
    'build: esbuild failed; mqs will run from the TypeScript sources until the build succeeds\n',
  );
  process.exit(1);
}
// why: `import { z } from 'zod'` (one export holding all of zod) keeps every zod locale in the bundle, ~300 KB
// more for each command that validates; `import * as z from 'zod'` lets esbuild keep what the code uses.
const zodLocales = results
  .flatMap((result) => Object.values(result.metafile.outputs))
  .flatMap((output) => Object.keys(output.inputs))
  .filter((input) => /zod\/v4\/locales\/(?!en\.js|index\.js)/.test(input));
if (zodLocales.length > 0) {
  process.stderr.write(
    "build: warning: every zod locale is in the bundle: import zod as `import * as z from 'zod'`, not `{ z }`\n",
  );
}
// why: an import() left in the CLI's bundle would fail there once its code cache exists ("A dynamic import
// callback was not specified"), so the build fails instead. Import through etl/core/import-module.cjs.
for (const file of fs.readdirSync(DIST_CLI_DIR).filter((f) => f.endsWith('.cjs'))) {
  const bundle = fs.readFileSync(path.join(DIST_CLI_DIR, file), 'utf8');
  const leftImport = /[^\w$.]import\(/.exec(bundle);
  if (leftImport) {
    process.stderr.write(
      `build: dist/cli/${file} calls import() (${JSON.stringify(bundle.slice(leftImport.index - 60, leftImport.index + 60))}): a vm script cannot import() from a code cache; use etl/core/import-module.cjs\n`,
    );
    process.exit(1);
  }
}
// The sources the bundle was built from: the bin checks these (not node_modules, not the modules plugins make)
// against the build's time.
const sources = [...new Set(results.flatMap((result) => Object.keys(result.metafile.inputs)))]
  .filter((input) => !input.includes(':') && !input.split('/').includes('node_modules'))
  .sort();
fs.writeFileSync(SOURCES_LIST, `${sources.join('\n')}\n`);
fs.writeFileSync(STAMP, String(startedAt));
