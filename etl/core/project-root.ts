/**
 * The repository root (package.json, sql/, portfolios/, scripts/) whether this code runs from its TypeScript
 * sources or from the compiled copy in dist/, which mirrors the source tree (dist/etl/core/project-root.js).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** True when running the compiled JavaScript in dist/ (`npm run build`), false from the TypeScript sources. */
export const RUNNING_COMPILED = import.meta.url.endsWith('.js');

export const PROJECT_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  ...(RUNNING_COMPILED ? ['..', '..', '..'] : ['..', '..']),
);

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
