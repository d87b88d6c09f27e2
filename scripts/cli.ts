/**
 * The CLI from the TypeScript sources, every command (the bin runs it through tsx when dist/ is missing or
 * stale); each command's module is loaded only when that command runs. The compiled CLI's bundles each hold
 * one command instead (scripts/build.mjs).
 */
import { runCli } from './cli-root.ts';
import { COMMAND_MODULES } from './command-modules.ts';
import { commandName } from './command-table.ts';

void runCli((entry) => COMMAND_MODULES[commandName(entry)]!());
