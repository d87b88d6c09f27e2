/**
 * For tests that start a TypeScript script as a child process many times (crash-and-read.int.test.ts): bundles
 * the script and the project modules it imports into one ES module, so each child starts without tsx's loader
 * (which costs a start about twice the CPU: a module hook call per module of a few hundred).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { PROJECT_ROOT } from '../../core/project-root.ts';

/**
 * Every bundled module but the script keeps the location of its own file, so code that reads files next to
 * itself (sql/, the calendar's JSON) reads the very files it reads unbundled. The script keeps the bundle's, so
 * its `process.argv[1]` check still sees it run as a script.
 */
function keepModuleLocations(entry: string): Plugin {
  return {
    name: 'keep-module-locations',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path === entry) return undefined;
        const text = await fs.promises.readFile(args.path, 'utf8');
        if (!/\bimport\.meta\.(url|dirname|filename)\b/.test(text)) return undefined;
        const contents = text
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path));
        return { contents, loader: 'ts', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/**
 * Bundles `script` (a .ts file of this repository) into an ES module under node_modules/.cache, where the
 * packages it imports (left outside the bundle) resolve as they do for the sources; returns the bundle's path.
 * The caller deletes it when done.
 */
export async function bundleScript(script: string): Promise<string> {
  const entry = path.resolve(script);
  const dir = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'mqs-test-bundles');
  fs.mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `${path.basename(entry, '.ts')}-${process.pid}-${Date.now()}.mjs`);
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    keepNames: true,
    plugins: [keepModuleLocations(entry)],
    logLevel: 'warning',
  });
  return outfile;
}
