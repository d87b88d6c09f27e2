import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { copyBarsToLake } from '../../etl/publish/testing/copy-bars-to-lake.ts';

const mqs = path.resolve(import.meta.dirname, '..', 'mqs.mjs');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A lake with one bars partition in which one bar has a non-positive low: a defect `quality` must report. */
async function writeLakeWithDefect(warehouseDir: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE TABLE bars AS
      SELECT 'AAA' AS symbol, '1hour' AS interval, TIMESTAMPTZ '2024-03-11 13:30:00+00' + to_hours(i) AS bar_start_at,
        TIMESTAMPTZ '2024-03-11 14:30:00+00' + to_hours(i) AS bar_end_at, DATE '2024-03-11' AS session_date,
        10.0 AS open, 11.0 AS high, CASE WHEN i = 3 THEN 0 ELSE 9.0 END AS low, 10.5 AS close, 100::BIGINT AS volume
      FROM range(7) t(i)`);
    await copyBarsToLake(connection, 'bars', warehouseDir);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('mqs members, backup, restore and quality', () => {
  it('bootstrap an admin, enforce roles, back up, restore, check quality, and never leak a token', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-ops-cli-'));
    dirs.push(root);
    const warehouse = path.join(root, 'warehouse');
    const outputs: string[] = [];
    const run = (token: string | undefined, ...args: string[]) => {
      const r = spawnSync(process.execPath, [mqs, ...args], {
        encoding: 'utf8',
        cwd: root,
        env: {
          ...process.env,
          WAREHOUSE_DIR: warehouse,
          MEMBER_AUTH_TOKEN: token ?? '',
          FMP_API_KEY: '',
          LOG_LEVEL: 'debug',
        },
      });
      outputs.push(r.stderr);
      return r;
    };
    const tokenOf = (stdout: string) => /^ {2}(mqs_\S+)$/m.exec(stdout)![1]!;

    const first = run(undefined, 'members', 'add', 'root', '--role', 'admin');
    expect(first.status).toBe(0);
    const rootToken = tokenOf(first.stdout);
    const anonymous = run(undefined, 'members', 'add', 'vic', '--role', 'viewer');
    expect([anonymous.status, anonymous.stderr]).toEqual([
      1,
      expect.stringContaining('needs the admin role'),
    ]);
    const vicToken = tokenOf(run(rootToken, 'members', 'add', 'vic', '--role', 'viewer').stdout);
    const annToken = tokenOf(run(rootToken, 'members', 'add', 'ann', '--role', 'analyst').stdout);
    const tokens = [rootToken, vicToken, annToken];
    const safeOutputs: string[] = [];
    const runSafe = (token: string | undefined, ...args: string[]) => {
      const r = run(token, ...args);
      safeOutputs.push(r.stdout);
      return r;
    };

    const denied = runSafe(vicToken, 'backup');
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain('mqs: backup needs the admin role; member vic is viewer');

    await writeLakeWithDefect(warehouse);
    const good = JSON.parse(runSafe(rootToken, 'backup', '--json').stdout) as { id: string; files: number };
    const offsite = path.join(root, 'offsite');
    const bad = JSON.parse(runSafe(rootToken, 'backup', '--to', offsite, '--json').stdout) as { id: string };
    const listed = JSON.parse(runSafe(rootToken, 'backup', 'list', '--json').stdout) as { id: string }[];
    expect(listed.map((b) => b.id)).toEqual([good.id]);
    const listedOffsite = JSON.parse(runSafe(rootToken, 'backup', 'list', '--dir', offsite, '--json').stdout);
    expect(listedOffsite.map((b: { id: string }) => b.id)).toEqual([bad.id]);
    expect(runSafe(rootToken, 'backup', 'verify', good.id).stdout).toMatch(
      new RegExp(`^${good.id}  ok  ${good.files} files`),
    );

    const barsFile = (lake: string) =>
      path.join(
        lake,
        ...(
          JSON.parse(fs.readFileSync(path.join(lake, 'manifest.json'), 'utf8')).datasets.bars[0]
            .path as string
        ).split('/'),
      );
    const victim = barsFile(path.join(offsite, bad.id, 'lake'));
    const bytes = fs.readFileSync(victim);
    bytes[100]! ^= 0x01;
    fs.writeFileSync(victim, bytes);
    const verifyAll = runSafe(rootToken, 'backup', 'verify', '--dir', offsite);
    expect(verifyAll.status).toBe(1);
    expect(verifyAll.stdout).toContain(`${bad.id}  FAILED`);
    expect(verifyAll.stderr).toContain(`1 snapshot(s) failed verification: ${bad.id}`);
    const badRestore = runSafe(rootToken, 'restore', bad.id, '--from', offsite);
    expect([badRestore.status, badRestore.stderr]).toEqual([
      1,
      expect.stringContaining('failed verification, nothing was changed'),
    ]);

    fs.rmSync(path.join(warehouse, 'lake'), { recursive: true });
    const restored = runSafe(rootToken, 'restore', good.id);
    expect(restored.status).toBe(0);
    expect(restored.stdout).toContain(`restored ${good.id}`);
    expect(fs.existsSync(barsFile(path.join(warehouse, 'lake')))).toBe(true);

    const quality = runSafe(vicToken, 'quality', '--json');
    expect(quality.status).toBe(1);
    const report = JSON.parse(quality.stdout) as {
      passed: boolean;
      checks: { name: string; passed: boolean }[];
    };
    expect(report.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual([
      'assert_bars_prices_positive',
    ]);
    expect(quality.stderr).toContain('data-quality checks failed: assert_bars_prices_positive');
    expect(runSafe(annToken, 'quality', '--since', '2024-03-12').status).toBe(0);

    expect(runSafe(rootToken, 'members', 'revoke', 'vic').status).toBe(0);
    const revoked = runSafe(vicToken, 'quality');
    expect([revoked.status, revoked.stderr]).toEqual([
      1,
      expect.stringContaining('not a valid member token'),
    ]);
    const rotated = run(rootToken, 'members', 'rotate', 'ann');
    expect(runSafe(annToken, 'quality').status).toBe(1);
    expect(runSafe(tokenOf(rotated.stdout), 'quality', '--since', '2024-03-12').status).toBe(0);
    tokens.push(tokenOf(rotated.stdout));

    const audit = runSafe(rootToken, 'members', 'audit', '--json')
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { who: string; action: string; outcome: string });
    const lines = audit.map((e) => `${e.who} ${e.outcome} ${e.action}`);
    expect(lines[0]).toMatch(/^unclaimed:\S+ ok members add root --role admin$/);
    expect(lines).toEqual(
      expect.arrayContaining([
        'anonymous denied members add vic --role viewer',
        'vic denied backup',
        'root ok backup',
        `root failed restore ${bad.id}`,
        `root ok restore ${good.id}`,
        'root ok members revoke vic',
        'unknown denied quality',
      ]),
    );
    expect(lines.filter((l) => l.startsWith('vic ') || l.startsWith('ann '))).toEqual(['vic denied backup']);

    let everything = outputs.join('\n') + safeOutputs.join('\n');
    for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true }))
      if (entry.isFile()) everything += fs.readFileSync(path.join(entry.parentPath, entry.name), 'latin1');
    expect(everything).toContain('backup written'); // the logs were read
    for (const token of tokens) expect(everything).not.toContain(token.slice('mqs_12345678_'.length));
  });

  it('refuse a mistyped subcommand or a missing argument before touching the warehouse', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-ops-cli-'));
    dirs.push(root);
    const warehouse = path.join(root, 'warehouse');
    const env = { ...process.env, WAREHOUSE_DIR: warehouse, MEMBER_AUTH_TOKEN: '', FMP_API_KEY: '' };
    const typo = spawnSync(process.execPath, [mqs, 'backup', 'lst'], { encoding: 'utf8', env });
    expect([typo.status, typo.stderr]).toEqual([
      2,
      expect.stringContaining('Did you mean list?\n(mqs backup --help for usage)'),
    ]);
    const noId = spawnSync(process.execPath, [mqs, 'restore'], { encoding: 'utf8', env });
    expect([noId.status, noId.stderr]).toEqual([
      2,
      expect.stringContaining(
        'Not enough non-option arguments: got 0, need at least 1\n(mqs restore --help for usage)',
      ),
    ]);
    expect(fs.existsSync(warehouse)).toBe(false);
  });
});
