import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandModule } from 'yargs';
import { COMMAND_MODULES } from './command-modules.ts';
import { COMMANDS, commandName, contextOptionsOf, firstPositionalOf } from './command-table.ts';

describe('the command table', () => {
  it('lists every module of scripts/commands/ once', () => {
    const files = fs
      .readdirSync(path.join(import.meta.dirname, 'commands'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(COMMANDS.map(commandName).sort()).toEqual(files);
    expect(Object.keys(COMMAND_MODULES).sort()).toEqual(files);
  });

  it("gives each command its module's command string and description (what --help lists)", async () => {
    for (const entry of COMMANDS) {
      const module = (await COMMAND_MODULES[commandName(entry)]!()).default as CommandModule;
      expect({ command: module.command, describe: module.describe }).toEqual({
        command: entry.command,
        describe: entry.describe,
      });
    }
  });

  it('declares the context the root builds per command, and per subcommand where it differs', () => {
    const entry = (name: string) => COMMANDS.find((e) => commandName(e) === name)!;
    expect(contextOptionsOf(entry('etl'), undefined)).toEqual({ logFileName: 'etl.log' });
    expect(contextOptionsOf(entry('demo'), undefined)).toEqual({
      logFileName: 'demo.log',
      defaultLogLevel: 'warn',
    });
    expect(contextOptionsOf(entry('members'), 'add')).toEqual({ logFileName: 'members.log' });
    expect(contextOptionsOf(entry('members'), 'list')).toEqual({});
    expect(contextOptionsOf(entry('backup'), undefined)).toEqual({
      logFileName: 'backup.log',
      terminalLogLevel: 'warn',
    });
    expect(contextOptionsOf(entry('backup'), 'verify')).toEqual({
      logFileName: 'backup.log',
      terminalLogLevel: 'warn',
    });
    expect(contextOptionsOf(entry('backup'), 'list')).toEqual({});
    expect(contextOptionsOf(entry('portfolios'), 'run')).toEqual({
      logFileName: 'portfolios.log',
      terminalLogLevel: 'warn',
    });
    expect(contextOptionsOf(entry('portfolios'), 'list')).toEqual({});
    expect(contextOptionsOf(entry('portfolios'), 'constructor')).toEqual({});
    expect(contextOptionsOf(entry('calendar'), undefined)).toBeUndefined();
  });

  it("names a command's first positional, whose value picks a subcommand's context", () => {
    expect(firstPositionalOf({ command: 'portfolios <action>' })).toBe('action');
    expect(firstPositionalOf({ command: 'sql [query]' })).toBe('query');
    expect(firstPositionalOf({ command: 'bench <name> [args..]' })).toBe('name');
    expect(firstPositionalOf({ command: 'backup' })).toBeUndefined();
  });
});
