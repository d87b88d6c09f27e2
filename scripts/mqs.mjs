#!/usr/bin/env node
// The `mqs` executable: runs the TypeScript CLI through tsx's loader, so no build step stands between
// `npm ci` and a working command.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
