import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../etl/core/clock.ts';
import { loadConfig } from '../../etl/core/config.ts';
import { createLogger } from '../../etl/core/log.ts';
import type { IsoDate } from '../../etl/core/time.ts';
import { readAuditEntries } from '../../etl/ops/audit-log.ts';
import { authorize, runAuthorized } from '../../etl/ops/authorize.ts';
import { defaultBackupsDir } from '../../etl/ops/backup-paths.ts';
import { createBackup } from '../../etl/ops/create-backup.ts';
import { listBackups } from '../../etl/ops/list-backups.ts';
import { openMemberStore, type Role } from '../../etl/ops/member-store.ts';
import { restoreBackup } from '../../etl/ops/restore-backup.ts';
import { type QualityReport, runQualityChecks } from '../../etl/ops/run-quality-checks.ts';
import { verifyBackup } from '../../etl/ops/verify-backup.ts';
import { copyBarsToLake } from '../../etl/publish/testing/copy-bars-to-lake.ts';
import { openWarehouseReader } from '../../etl/publish/warehouse-reader.ts';

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
  // why: the commands' work runs in-process through the same ops functions and action names the command handlers
  // use; three steps spawn the real CLI, where its exit codes and messages are what is checked. 22 spawns took
  // over a minute on a busy 2-core machine; this takes ~6 s here, so the default 60 s limit has a wide margin.
  it('bootstrap an admin, enforce roles, back up, restore, check quality, and never leak a token', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-ops-cli-'));
    dirs.push(root);
    const warehouse = path.join(root, 'warehouse');
    const backups = defaultBackupsDir(warehouse);
    const outputs: string[] = [];
    const env = (token: string | undefined) => ({
      ...process.env,
      WAREHOUSE_DIR: warehouse,
      MEMBER_AUTH_TOKEN: token ?? '',
      FMP_API_KEY: '',
      LOG_LEVEL: 'debug',
    });
    const cli = (token: string | undefined, ...args: string[]) => {
      const r = spawnSync(process.execPath, [mqs, ...args], { encoding: 'utf8', cwd: root, env: env(token) });
      // why: `members add` prints the new token on stdout, on purpose; everything else must never show one.
      outputs.push(r.stderr, args[0] === 'members' ? '' : r.stdout);
      return r;
    };
    /** What a command handler builds: the config from the environment, a debug log to a file and to `outputs`. */
    const as = (token: string | undefined, logFileName = 'test.log') => {
      const sink = new Writable({
        write(chunk, _encoding, done) {
          outputs.push(String(chunk));
          done();
        },
      });
      const config = loadConfig(env(token), root);
      const log = createLogger({
        level: 'debug',
        destination: sink,
        file: path.join(config.warehouseDir, 'logs', logFileName),
      });
      return { config, log, clock: systemClock };
    };
    const tokenOf = (stdout: string) => /^ {2}(mqs_\S+)$/m.exec(stdout)![1]!;
    const addMember = (token: string | undefined, name: string, role: Role) => {
      const ctx = as(token, 'members.log');
      return runAuthorized(ctx, 'admin', `members add ${name} --role ${role}`, (who) =>
        openMemberStore(warehouse, ctx.clock).add(name, role, who.name),
      );
    };
    const backup = (token: string, to?: string) => {
      const ctx = as(token, 'backup.log');
      return runAuthorized(ctx, 'admin', `backup${to ? ` --to ${to}` : ''}`, (who) =>
        createBackup({
          warehouseDir: warehouse,
          backupsDir: to,
          log: ctx.log,
          clock: ctx.clock,
          createdBy: who.name,
        }),
      );
    };
    const restore = (token: string, id: string, from?: string) => {
      const ctx = as(token, 'restore.log');
      return runAuthorized(ctx, 'admin', `restore ${id}`, () =>
        restoreBackup({ warehouseDir: warehouse, id, backupsDir: from, log: ctx.log, clock: ctx.clock }),
      );
    };
    const quality = async (token: string | undefined, since?: IsoDate) => {
      await authorize(as(token), 'viewer', 'quality');
      const reader = await openWarehouseReader(warehouse);
      try {
        return await runQualityChecks(reader.connection, { since });
      } finally {
        reader.close();
      }
    };

    // The CLI: the first member of an empty warehouse is added by whoever runs the machine, and gets a token.
    const first = cli(undefined, 'members', 'add', 'root', '--role', 'admin');
    expect([first.status, first.stdout]).toEqual([0, expect.stringContaining('added root as admin')]);
    const rootToken = tokenOf(first.stdout);
    await expect(addMember(undefined, 'vic', 'viewer')).rejects.toThrow(/needs the admin role/);
    const vicToken = (await addMember(rootToken, 'vic', 'viewer')).token;
    const annToken = (await addMember(rootToken, 'ann', 'analyst')).token;
    const tokens = [rootToken, vicToken, annToken];

    // The CLI: a refusal exits 1 naming the role.
    const denied = cli(vicToken, 'backup');
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain('mqs: backup needs the admin role; member vic is viewer');

    await writeLakeWithDefect(warehouse);
    const good = (await backup(rootToken)).manifest;
    const offsite = path.join(root, 'offsite');
    const bad = (await backup(rootToken, offsite)).manifest;
    await authorize(as(rootToken), 'admin', 'backup list');
    expect(listBackups(backups).map((b) => b.id)).toEqual([good.id]);
    expect(listBackups(offsite).map((b) => b.id)).toEqual([bad.id]);
    expect(await verifyBackup(path.join(backups, good.id))).toMatchObject({
      id: good.id,
      ok: true,
      problems: [],
      checkedFiles: good.files.length,
    });

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
    const verified = await verifyBackup(path.join(offsite, bad.id));
    expect(verified.ok).toBe(false);
    expect(verified.problems.join('\n')).toContain(path.relative(path.join(offsite, bad.id), victim));
    await expect(restore(rootToken, bad.id, offsite)).rejects.toThrow(
      /failed verification, nothing was changed/,
    );

    fs.rmSync(path.join(warehouse, 'lake'), { recursive: true });
    const restored = await restore(rootToken, good.id);
    expect(restored.manifest.id).toBe(good.id);
    expect(fs.existsSync(barsFile(path.join(warehouse, 'lake')))).toBe(true);

    // The CLI: a failed check exits 1 after printing the whole report.
    const checked = cli(vicToken, 'quality', '--json');
    expect(checked.status).toBe(1);
    const report = JSON.parse(checked.stdout) as QualityReport;
    expect(report.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual([
      'assert_bars_prices_positive',
    ]);
    expect(checked.stderr).toContain('data-quality checks failed: assert_bars_prices_positive');
    expect((await quality(annToken, '2024-03-12')).passed).toBe(true);

    const revokeVic = as(rootToken, 'members.log');
    await runAuthorized(revokeVic, 'admin', 'members revoke vic', (who) =>
      openMemberStore(warehouse, revokeVic.clock).revoke('vic', who.name),
    );
    await expect(quality(vicToken)).rejects.toThrow(/not a valid member token/);
    const rotateAnn = as(rootToken, 'members.log');
    const rotated = await runAuthorized(rotateAnn, 'admin', 'members rotate ann', (who) =>
      openMemberStore(warehouse, rotateAnn.clock).rotate('ann', who.name),
    );
    await expect(quality(annToken)).rejects.toThrow(/not a valid member token/);
    expect((await quality(rotated.token, '2024-03-12')).passed).toBe(true);
    tokens.push(rotated.token);

    await authorize(as(rootToken), 'admin', 'members audit');
    const lines = readAuditEntries(warehouse).map((e) => `${e.who} ${e.outcome} ${e.action}`);
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

    let everything = outputs.join('\n');
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
