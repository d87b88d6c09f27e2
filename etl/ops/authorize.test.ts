import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../core/app-context.ts';
import { systemClock } from '../core/clock.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger, silentLogger } from '../core/log.ts';
import { readAuditEntries } from './audit-log.ts';
import { AccessDeniedError, authorize, runAuthorized } from './authorize.ts';
import { openMemberStore, ROLES, type Role } from './member-store.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-access-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const ctxFor = (warehouseDir: string, memberToken?: string): AppContext => ({
  config: loadConfig({ WAREHOUSE_DIR: warehouseDir, MEMBER_AUTH_TOKEN: memberToken }),
  log: silentLogger(),
  clock: systemClock,
});

/** Every file under a folder, read as text. */
function readAllFiles(dir: string): string {
  let text = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
  }
  return text;
}

describe('authorize', () => {
  it('lets everything run as the unclaimed identity while the warehouse has no members', async () => {
    const dir = tempDir();
    const who = await authorize(ctxFor(dir), 'admin', 'restore x');
    expect(who.kind).toBe('unclaimed');
    expect(who.name).toMatch(/^unclaimed:/);
    expect(fs.existsSync(path.join(dir, 'audit.jsonl'))).toBe(false);
  });

  it('requires the first member to be an admin', async () => {
    const store = openMemberStore(tempDir(), systemClock);
    await expect(store.add('ann', 'viewer', 'shell')).rejects.toThrow(/first member must be an admin/);
    expect(store.isClaimed()).toBe(false);
  });

  it('allows each role exactly the actions at or below it', async () => {
    const dir = tempDir();
    const store = openMemberStore(dir, systemClock);
    const tokens = {} as Record<Role, string>;
    for (const role of ['admin', 'viewer', 'analyst', 'trader'] as const)
      tokens[role] = (await store.add(`m-${role}`, role, 'shell')).token;
    const outcomes: string[] = [];
    for (const held of ROLES) {
      for (const needed of ROLES) {
        const result = await authorize(ctxFor(dir, tokens[held]), needed, `act-${needed}`).then(
          (who) => `${who.name} ok`,
          (error: AccessDeniedError) => {
            expect(error).toBeInstanceOf(AccessDeniedError);
            expect(error.exitCode).toBe(1);
            expect(error.message).toContain(`needs the ${needed} role`);
            return 'denied';
          },
        );
        outcomes.push(`${held}->${needed}: ${result}`);
      }
    }
    expect(outcomes).toEqual([
      'viewer->viewer: m-viewer ok',
      'viewer->analyst: denied',
      'viewer->trader: denied',
      'viewer->admin: denied',
      'analyst->viewer: m-analyst ok',
      'analyst->analyst: m-analyst ok',
      'analyst->trader: denied',
      'analyst->admin: denied',
      'trader->viewer: m-trader ok',
      'trader->analyst: m-trader ok',
      'trader->trader: m-trader ok',
      'trader->admin: denied',
      'admin->viewer: m-admin ok',
      'admin->analyst: m-admin ok',
      'admin->trader: m-admin ok',
      'admin->admin: m-admin ok',
    ]);
    const audit = readAuditEntries(dir);
    expect(audit.filter((e) => e.outcome === 'denied')).toHaveLength(6);
    // viewer-level reads are not audited when allowed; the 6 allowed privileged checks are
    expect(audit.filter((e) => e.outcome === 'allowed')).toHaveLength(6);
    expect(audit.find((e) => e.who === 'm-viewer' && e.action === 'act-admin')).toMatchObject({
      role: 'viewer',
      outcome: 'denied',
    });
  });

  it('refuses a missing token, a made-up token, a revoked token and a rotated-away token', async () => {
    const dir = tempDir();
    const store = openMemberStore(dir, systemClock);
    const admin = await store.add('root', 'admin', 'shell');
    const ann = await store.add('ann', 'analyst', 'root');
    await expect(authorize(ctxFor(dir), 'viewer', 'sql')).rejects.toThrow(
      /sql needs the viewer role: this warehouse has members, so set MEMBER_AUTH_TOKEN/,
    );
    const forged = ann.token.slice(0, -4) + (ann.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expect(authorize(ctxFor(dir, forged), 'viewer', 'sql')).rejects.toThrow(/not a valid member token/);
    await expect(authorize(ctxFor(dir, 'hunter22'), 'viewer', 'sql')).rejects.toThrow(/not a valid member/);

    const rotated = await store.rotate('ann', 'root');
    await expect(authorize(ctxFor(dir, ann.token), 'viewer', 'sql')).rejects.toThrow(/revoked or rotated/);
    expect((await authorize(ctxFor(dir, rotated.token), 'analyst', 'etl')).name).toBe('ann');

    await store.revoke('ann', 'root');
    await expect(authorize(ctxFor(dir, rotated.token), 'viewer', 'sql')).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    expect((await authorize(ctxFor(dir, admin.token), 'admin', 'members list')).name).toBe('root');
  });

  it('keeps the warehouse claimed and refuses to revoke the last admin', async () => {
    const dir = tempDir();
    const store = openMemberStore(dir, systemClock);
    await store.add('root', 'admin', 'shell');
    await expect(store.revoke('root', 'root')).rejects.toThrow(/last active admin/);
    await expect(authorize(ctxFor(dir), 'viewer', 'status')).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('never opens up a warehouse whose member file is damaged', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'members.json'), '{"version":1,"members":[{"na');
    await expect(authorize(ctxFor(dir), 'viewer', 'sql')).rejects.toThrow(/members.json is damaged/);
  });

  it('records outcomes and never stores or logs a token in clear', async () => {
    const dir = tempDir();
    const store = openMemberStore(dir, systemClock);
    const admin = await store.add('root', 'admin', 'shell');
    const viewer = await store.add('vic', 'viewer', 'root');
    const rotated = await store.rotate('vic', 'root');
    let logged = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    });
    const log = createLogger({ destination: sink, level: 'debug', file: path.join(dir, 'logs', 'x.log') });
    const ctx = { ...ctxFor(dir, admin.token), log };
    await runAuthorized(ctx, 'admin', 'members list', async () => {
      log.info({ token: admin.token, note: `t=${viewer.token}` }, 'working');
      return 2;
    });
    await expect(
      runAuthorized(ctx, 'admin', 'backup', async () => {
        throw new Error(`boom with ${rotated.token}`);
      }),
    ).rejects.toThrow('boom');
    await authorize({ ...ctxFor(dir, viewer.token), log }, 'admin', 'restore').catch(() => undefined);

    const audit = readAuditEntries(dir);
    expect(audit.map((e) => `${e.who} ${e.action} ${e.outcome}`)).toEqual([
      'root members list allowed',
      'root members list ok',
      'root backup allowed',
      'root backup failed',
      'unknown restore denied',
    ]);
    expect(audit[3]!.detail).toBe('boom with ***');
    const everything = readAllFiles(dir) + logged;
    expect(everything).toContain('working');
    for (const token of [admin.token, viewer.token, rotated.token]) {
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.slice('mqs_12345678_'.length));
    }
  });
});
