/**
 * The repository root (package.json, sql/, portfolios/, scripts/) whether this code runs from its TypeScript
 * sources or from the bundle in dist/cli/, where each module keeps its source file's `import.meta.url`
 * (scripts/build.mjs).
 */
import { createRequire } from 'node:module';
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
  if (!RUNNING_COMPILED) return import(pathToFileURL(file).href);
  // why: the bundle has no import() of its own (import-module.cjs says why).
  const importModule = createRequire(import.meta.url)('./import-module.cjs') as (
    specifier: string,
  ) => Promise<unknown>;
  if (!tsxRegistered) {
    const { register } = (await importModule('tsx/esm/api')) as typeof import('tsx/esm/api');
    register();
    tsxRegistered = true;
  }
  return importModule(pathToFileURL(file).href);
}
