#!/usr/bin/env node
// The `mqs` command in node_modules/.bin (`npx mqs`): the root package depends on this folder (`file:scripts/bin`)
// so that npm links the command there, where npx runs it directly. Declared as the root package's own `bin`, npx
// instead installed the project into its cache on every call before running it (~0.2 s of CPU).
import '../mqs.mjs';
