import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../etl/core/clock.ts';
import { openMemberStore, type Role } from '../../etl/ops/member-store.ts';

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

// why: the members are set up in this process (`mqs members add` is spawned in members.int.test.ts); what is
// tested here is each command's refusal and permission through the real CLI.
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-access-'));
  const store = openMemberStore(path.join(root, 'warehouse'), systemClock);
  tokens.admin = (await store.add('ada', 'admin', 'test')).token;
  for (const role of ['viewer', 'analyst', 'trader'] as const)
    tokens[role] = (await store.add(role.slice(0, 3), role, 'ada')).token;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// Each command with the least role it needs (issue 7): reading viewer, ETL and backtests analyst, trading trader.
const COMMANDS: [args: string[], needs: Role][] = [
  [['sql', 'select 42 as answer', '--json'], 'viewer'],
  [['status', '--json'], 'viewer'],
  [['portfolios', 'list', '--json'], 'viewer'],
  [['etl', '--tickers', 'AAPL', '--from', '2024-03-01', '--to', '2024-03-05', '--dry-run'], 'analyst'],
  [['backtest', '--portfolio', 'momentum', '--from', '2024-03-01', '--to', '2024-03-05'], 'analyst'],
  [['portfolios', 'run', '--json'], 'trader'],
];
const RANK: Role[] = ['viewer', 'analyst', 'trader', 'admin'];

describe('access control on the working commands', () => {
  // why: a command's least role is pinned by two runs, refused one rank below it (no token below viewer) and
  // allowed at it; that every rank below is refused and every rank above allowed, for any role a command asks
  // for, is authorize.test.ts's 'allows each role exactly the actions at or below it'.
  for (const [args, needs] of COMMANDS) {
    it(`${args.slice(0, 2).join(' ')} needs ${needs}`, () => {
      const below = needs === 'viewer' ? 'anonymous' : RANK[RANK.indexOf(needs) - 1]!;
      const refused = run(tokens[below], ...args);
      expect([below, refused.status, refused.stderr]).toEqual([
        below,
        1,
        expect.stringContaining(`needs the ${needs} role`),
      ]);
      const allowed = run(tokens[needs], ...args);
      expect(allowed.stderr).not.toContain('role');
      if (args[0] === 'sql') {
        expect(allowed.status).toBe(0);
        expect(JSON.parse(allowed.stdout)).toEqual([{ answer: 42 }]);
      }
    });
  }

  it('records privileged actions in the audit log', () => {
    const audit = run(tokens.admin, 'members', 'audit');
    expect(audit.status).toBe(0);
    expect(audit.stdout).toMatch(/^\S+ +tra +ok +portfolios run/m);
    expect(audit.stdout).toMatch(/^\S+ +ana +denied +portfolios run/m);
  });
});
