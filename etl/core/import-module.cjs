// import() for the compiled CLI. The bundle runs as a vm script with a V8 code cache (scripts/run-compiled.mjs),
// and Node 20 cannot serve an import() of code that came from a code cache; a CommonJS module that Node's own
// require() loaded can. etl/core/project-root.ts loads this file from the bundle.
module.exports = (specifier) => import(specifier);
