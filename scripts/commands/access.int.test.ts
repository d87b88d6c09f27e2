import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const mqs = path.resolve(import.meta.dirname, '..', 'mqs.mjs');
let root: string;
const tokens: Record<string, string> = {};

const run = (token: string | undefined, ...args: string[]) =>
  spawnSync(process.execPath, [mqs, ...args], {
    encoding: 'utf8',
    cwd: root,
    env: {
      ...process.env,
      WAREHOUSE_DIR: path.join(root, 'warehouse'),
      MEMBER_AUTH_TOKEN: token ?? '',
      FMP_API_KEY: '',
      FMP_BASE_URL: '',
    },
  });
const tokenOf = (stdout: string) => /^ {2}(mqs_\S+)$/m.exec(stdout)![1]!;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-access-'));
  tokens.admin = tokenOf(run(undefined, 'members', 'add', 'ada', '--role', 'admin').stdout);
  for (const role of ['viewer', 'analyst', 'trader'])
    tokens[role] = tokenOf(run(tokens.admin, 'members', 'add', role.slice(0, 3), '--role', role).stdout);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// Each command with the least role it needs (issue 7): reading viewer, ETL and backtests analyst, trading trader.
const COMMANDS: [args: string[], needs: string][] = [
  [['sql', 'select 42 as answer', '--json'], 'viewer'],
  [['status', '--json'], 'viewer'],
  [['portfolios', 'list', '--json'], 'viewer'],
  [['etl', '--tickers', 'AAPL', '--from', '2024-03-01', '--to', '2024-03-05', '--dry-run'], 'analyst'],
  [['backtest', '--portfolio', 'momentum', '--from', '2024-03-01', '--to', '2024-03-05'], 'analyst'],
  [['portfolios', 'run', '--json'], 'trader'],
];
const RANK = ['viewer', 'analyst', 'trader', 'admin'];

describe('access control on the working commands', () => {
  for (const [args, needs] of COMMANDS) {
    it(`${args.slice(0, 2).join(' ')} needs ${needs}`, () => {
      const refused = RANK.slice(0, RANK.indexOf(needs)).concat('anonymous');
      for (const who of refused) {
        const r = run(tokens[who], ...args);
        expect([who, r.status, r.stderr]).toEqual([
          who,
          1,
          expect.stringContaining(`needs the ${needs} role`),
        ]);
      }
      const allowed = run(tokens[needs], ...args);
      expect(allowed.stderr).not.toContain('role');
    });
  }

  it('runs an allowed query and records privileged actions in the audit log', () => {
    const r = run(tokens.viewer, 'sql', 'select 42 as answer', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ answer: 42 }]);
    const audit = run(tokens.admin, 'members', 'audit');
    expect(audit.stdout).toMatch(/portfolios run/);
    expect(audit.stdout).toMatch(/denied/);
  });
});
