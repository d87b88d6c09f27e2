import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../etl/core/errors.ts';
import { importTypeScript, PROJECT_ROOT } from '../../etl/core/project-root.ts';

/** A benchmark module in scripts/bench/<name>.ts: `export default async function run(args: string[])`. */
export type BenchMain = (args: string[]) => Promise<void>;

// why: benchmarks run from their TypeScript sources (they start .ts child processes), also from dist/.
const benchDir = path.join(PROJECT_ROOT, 'scripts', 'bench');

function benchNames(): string[] {
  if (!fs.existsSync(benchDir)) return [];
  return fs
    .readdirSync(benchDir)
    .filter((f) => f.endsWith('.ts') && !f.includes('.test.') && !f.startsWith('_'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

interface Args {
  name: string;
  args?: string[];
}

const command: CommandModule<object, Args> = {
  command: 'bench <name> [args..]',
  describe: 'run a benchmark against the built-in simulator (npm run bench -- <name> --json)',
  builder: (y) =>
    y
      .positional('name', {
        type: 'string',
        demandOption: true,
        describe: `one of: ${benchNames().join(', ')}`,
      })
      .positional('args', { type: 'string', array: true })
      .strict(false)
      .parserConfiguration({ 'unknown-options-as-args': true }),
  handler: async (args) => {
    const names = benchNames();
    if (!names.includes(args.name)) {
      throw new UsageError(`unknown benchmark ${JSON.stringify(args.name)}: use one of ${names.join(', ')}`);
    }
    const mod = (await importTypeScript(path.join(benchDir, `${args.name}.ts`))) as {
      default: BenchMain;
    };
    await mod.default((args.args ?? []).map(String));
  },
};

export default command;
