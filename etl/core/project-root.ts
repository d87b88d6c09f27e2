/**
 * The repository root (package.json, sql/, portfolios/, scripts/) whether this code runs from its TypeScript
 * sources or from the bundle in dist/cli/, where each module keeps its source file's `import.meta.url`
 * (scripts/build.mjs).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Defined (true) by the bundle's build (scripts/build.mjs); undeclared when running the TypeScript sources. */
declare const MQS_BUNDLED: boolean | undefined;

/** True when running the compiled bundle in dist/ (`npm run build`), false from the TypeScript sources. */
export const RUNNING_COMPILED = typeof MQS_BUNDLED !== 'undefined' && MQS_BUNDLED;

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let tsxRegistered = false;

/**
 * Imports a TypeScript module that is not part of the build: a portfolio's `strategy.ts` (a user file, added
 * without a rebuild) or a benchmark (they start `.ts` child processes). From dist/, tsx's loader is registered
 * first, once; from the sources a TypeScript loader (tsx, vitest) is already in place.
 */
export async function importTypeScript(file: string): Promise<unknown> {
  if (RUNNING_COMPILED && !tsxRegistered) {
    const { register } = await import('tsx/esm/api');
    register();
    tsxRegistered = true;
  }
  return import(pathToFileURL(file).href);
}
