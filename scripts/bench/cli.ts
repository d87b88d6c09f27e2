/**
 * `npm run bench -- cli [--json] [--runs N]`: how long `mqs` takes to start, cold (a new process each time, as a
 * member's shell runs it), against what Node itself costs, in the same run: `node -e 0`, a node process that
 * only loads `@duckdb/node-api`, `mqs --version` and `mqs sql "select 1"` (an empty warehouse: in-memory DuckDB,
 * every view of sql/), each directly and through npx (`npx --no-install node -e 0` against `npx mqs …`). The
 * contenders run round-robin so a busy machine slows them alike; medians of --runs (default 5) after one
 * warm-up round. Goal: `npx mqs sql "select 1"` at most 300 ms beyond `npx --no-install node -e 0`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../etl/core/errors.ts';
import { PROJECT_ROOT } from '../../etl/core/project-root.ts';
import { distState } from '../build-state.mjs';

const GOAL_MS = 300;

interface Contender {
  name: string;
  command: string;
  args: string[];
}

function parseArgs(args: string[]): { json: boolean; runs: number } {
  const options = { json: false, runs: 5 };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--json') options.json = true;
    else if (args[i] === '--runs') {
      options.runs = Number(args[++i]);
      if (!Number.isInteger(options.runs) || options.runs < 1)
        throw new UsageError('--runs needs a whole number ≥ 1');
    } else throw new UsageError(`unknown option ${args[i]}: use --json, --runs N`);
  }
  return options;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export default async function run(args: string[]): Promise<void> {
  const options = parseArgs(args);
  const node = process.execPath;
  const mqs = path.join(PROJECT_ROOT, 'scripts', 'mqs.mjs');
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const contenders: Contender[] = [
    { name: 'node_e0', command: node, args: ['-e', '0'] },
    {
      name: 'node_duckdb',
      command: node,
      args: ['--input-type=module', '-e', "await import('@duckdb/node-api')"],
    },
    { name: 'mqs_version', command: node, args: [mqs, '--version'] },
    { name: 'mqs_sql', command: node, args: [mqs, 'sql', 'select 1'] },
    { name: 'npx_node_e0', command: npx, args: ['--no-install', 'node', '-e', '0'] },
    { name: 'npx_mqs_version', command: npx, args: ['--no-install', 'mqs', '--version'] },
    { name: 'npx_mqs_sql', command: npx, args: ['--no-install', 'mqs', 'sql', 'select 1'] },
  ];
  const warehouseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-bench-cli-'));
  const env = { ...process.env, WAREHOUSE_DIR: warehouseDir, LOG_LEVEL: 'silent' };
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  try {
    for (let round = 0; round <= options.runs; round++) {
      for (const c of contenders) {
        const started = performance.now();
        const r = spawnSync(c.command, c.args, { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
        const ms = performance.now() - started;
        if (r.status !== 0) throw new Error(`${c.name} failed (exit ${r.status}): ${r.stderr}`);
        if (round > 0) times.get(c.name)!.push(ms);
      }
    }
  } finally {
    fs.rmSync(warehouseDir, { recursive: true, force: true });
  }
  const ms = Object.fromEntries([...times].map(([name, t]) => [name, Math.round(median(t))]));
  const result = {
    bench: 'cli',
    compiled: distState() === 'fresh',
    runs: options.runs,
    median_ms: ms,
    sql_beyond_node_ms: ms.mqs_sql! - ms.node_e0!,
    sql_beyond_duckdb_ms: ms.mqs_sql! - ms.node_duckdb!,
    version_beyond_node_ms: ms.mqs_version! - ms.node_e0!,
    npx_sql_beyond_npx_node_ms: ms.npx_mqs_sql! - ms.npx_node_e0!,
    goal_ms: GOAL_MS,
    goal_met: ms.npx_mqs_sql! - ms.npx_node_e0! <= GOAL_MS,
  };
  if (!options.json) {
    process.stdout.write(
      `cold starts, median of ${options.runs} (${result.compiled ? 'compiled dist/' : 'TypeScript sources through tsx: npm run build'}):\n`,
    );
    for (const [name, value] of Object.entries(ms))
      process.stdout.write(`  ${name.padEnd(16)} ${value} ms\n`);
    process.stdout.write(
      `npx mqs sql "select 1" − npx node -e 0: ${result.npx_sql_beyond_npx_node_ms} ms (goal ≤ ${GOAL_MS}: ${result.goal_met ? 'met' : 'not met'})\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
