/**
 * `npm run build` (also run by `npm ci` / `npm install` through `prepare`): bundles the CLI, from its TypeScript
 * sources, into a few ES modules in dist/cli/ with esbuild: `cli.js` (the root: argument parsing, the command
 * table) plus one chunk per command and per group of modules that commands share, so a command loads its own
 * code and nothing else's in a handful of files instead of hundreds of modules (Node's ES module loader pays per
 * module, and for `@duckdb/node-api`, CommonJS imported from an ES module, it parses every file of the package
 * twice). Types are stripped, not checked (`npm run typecheck` checks them; tsx, which runs the sources, strips
 * them with the same esbuild). The sources stay the single truth: dist/ is git-ignored and the `mqs` bin runs the
 * sources through tsx whenever the bundle is missing or older than a source it was built from.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, DIST_CLI_DIR, ROOT, SOURCES_LIST, STAMP } from './build-state.mjs';

// why: packages that must be loaded from their own folder in node_modules stay outside the bundle: the DuckDB
// bindings and polars load native addons; pino starts its transports' worker threads from files beside it and
// undici reads its own file name (__dirname, __filename: undefined in an ES module); tsx registers module hooks
// from its own files.
const EXTERNAL = ['@duckdb/node-bindings', 'nodejs-polars', 'pino', 'undici', 'tsx'];

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
 * source (or node_modules) file, worked out from the chunk's URL at run time (never an absolute path, so the
 * checkout can move). Code that reads files next to itself (sql/, etl/core/nyse-calendar.json,
 * etl/sim/sim-universe.txt, yargs' locales) reads the very files it reads from the sources.
 */
const keepModuleLocations = {
  name: 'keep-module-locations',
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|js|mjs|cjs)$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      const inPackage = args.path.includes(`${path.sep}node_modules${path.sep}`);
      if (/\bimport\.meta\.(dirname|filename)\b/.test(text)) {
        throw new Error(
          `${args.path}: use import.meta.url (the bundle keeps it; dirname/filename it does not)`,
        );
      }
      // why: a CommonJS module's __dirname is undefined in an ES module bundle.
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (inPackage && !code.includes('import.meta') && /\b__(dirname|filename)\b/.test(code)) {
        throw new Error(
          `${args.path} uses __dirname or __filename: add its package to EXTERNAL in ${import.meta.url}`,
        );
      }
      if (!text.includes('import.meta.url')) return undefined;
      const relative = toPosix(path.relative(DIST_CLI_DIR, args.path));
      return {
        contents: text.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(relative)}, import.meta.url).href`,
        ),
        loader: /\.m?ts$/.test(args.path) ? 'ts' : 'js',
        resolveDir: path.dirname(args.path),
      };
    });
  },
};

fs.rmSync(DIST, { recursive: true, force: true });
let result;
try {
  result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { cli: path.join(ROOT, 'scripts', 'cli.ts') },
    outdir: DIST_CLI_DIR,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    external: EXTERNAL,
    // why: error classes name themselves after their class (errors.ts); bundling may rename a class whose name
    // another module also uses.
    keepNames: true,
    // why: etl/core/project-root.ts: the bundle registers tsx before it imports a TypeScript file (a strategy).
    define: { MQS_BUNDLED: 'true' },
    // why: the bundled CommonJS packages (DuckDB's API) require() the external ones.
    banner: {
      js: "import { createRequire as __mqsCreateRequire } from 'node:module'; const require = __mqsCreateRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    plugins: [keepModuleLocations],
    metafile: true,
    logLevel: 'warning',
  });
} catch {
  process.stderr.write(
    'build: esbuild failed; mqs will run from the TypeScript sources until the build succeeds\n',
  );
  process.exit(1);
}
// The sources the bundle was built from: the bin checks these (not node_modules) against the build's time.
const sources = Object.keys(result.metafile.inputs)
  .filter((input) => !input.split('/').includes('node_modules'))
  .sort();
fs.writeFileSync(SOURCES_LIST, `${sources.join('\n')}\n`);
fs.writeFileSync(STAMP, String(startedAt));
