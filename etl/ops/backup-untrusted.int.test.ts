import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { CliError } from '../core/errors.ts';
import { silentLogger } from '../core/log.ts';
import { type BackupManifest, readManifest, writeManifest } from './backup-manifest.ts';
import { createBackup } from './create-backup.ts';
import { restoreBackup } from './restore-backup.ts';
import { verifyBackup } from './verify-backup.ts';

const mqs = path.resolve(import.meta.dirname, '..', '..', 'scripts', 'mqs.mjs');
const log = silentLogger();
const roots: string[] = [];
afterEach(() => {
  for (const d of roots.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const sha = (bytes: string) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Every file under `dir` with its sha256 (links as their target text): what "nothing written" means. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) out[path.relative(dir, file)] = `-> ${fs.readlinkSync(file)}`;
    else if (entry.isFile()) out[path.relative(dir, file)] = sha(fs.readFileSync(file, 'utf8'));
    else if (entry.isDirectory()) out[`${path.relative(dir, file)}/`] = 'dir';
  }
  return out;
}

/** root/warehouse (a small real one) and root/snaps/<id>, a good snapshot of it. */
async function setup() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-untrusted-'));
  roots.push(root);
  const warehouse = path.join(root, 'warehouse');
  fs.mkdirSync(path.join(warehouse, 'lake', 'splits'), { recursive: true });
  fs.writeFileSync(path.join(warehouse, 'lake', 'splits', 'data_0.parquet'), 'not really parquet');
  fs.mkdirSync(path.join(warehouse, 'reports'));
  fs.writeFileSync(path.join(warehouse, 'reports', 'r.html'), '<html></html>');
  const snaps = path.join(root, 'snaps');
  const { manifest, dir } = await createBackup({
    warehouseDir: warehouse,
    backupsDir: snaps,
    log,
    clock: systemClock,
  });
  return { root, warehouse, snaps, id: manifest.id, dir };
}

/** Adds entries to the snapshot's manifest, each listed with the right size and sha256 of `content`. */
function craft(dir: string, paths: string[], content = 'payload') {
  const manifest: BackupManifest = readManifest(dir);
  for (const p of paths)
    manifest.files.push({ path: p, size: Buffer.byteLength(content), sha256: sha(content) });
  writeManifest(dir, manifest);
}

describe('backups trust nothing they read', () => {
  it('fails verify naming ../ and absolute entries; restore refuses before it writes, inside or outside', async () => {
    const { root, warehouse, snaps, id, dir } = await setup();
    const absolute = path.join(root, 'abs-payload.txt');
    // the files the crafted entries point at exist, with the listed checksum: a naive check passes them
    fs.writeFileSync(path.join(root, 'payload.txt'), 'payload');
    fs.writeFileSync(absolute, 'payload');
    craft(dir, ['../../payload.txt', absolute, 'lake/../../../payload.txt']);

    const verification = await verifyBackup(dir);
    expect(verification.ok).toBe(false);
    expect(verification.problems).toEqual([
      expect.stringMatching(
        /^manifest entry \d+ "\.\.\/\.\.\/payload\.txt": the path has an empty, "\." or "\.\." segment/,
      ),
      expect.stringContaining(`"${absolute}": the path is absolute`),
      expect.stringContaining('"lake/../../../payload.txt": the path has'),
    ]);

    const before = fingerprint(root);
    const restore = restoreBackup({
      warehouseDir: warehouse,
      backupsDir: snaps,
      id,
      log,
      clock: systemClock,
    });
    await expect(restore).rejects.toBeInstanceOf(CliError);
    await expect(restore).rejects.toThrow(/failed verification, nothing was changed: manifest entry/);
    expect(fingerprint(root)).toEqual(before);

    // the same through the CLI: a non-zero exit, nothing written anywhere, no staging folder left
    const r = spawnSync(process.execPath, [mqs, 'restore', id, '--from', snaps], {
      encoding: 'utf8',
      cwd: root,
      env: { ...process.env, WAREHOUSE_DIR: warehouse, MEMBER_AUTH_TOKEN: '', LOG_LEVEL: 'silent' },
    });
    expect([r.status, r.stderr]).toEqual([1, expect.stringContaining('"../../payload.txt"')]);
    const after = fingerprint(root);
    // the CLI logs the refusal (logs/) and audits it (audit.jsonl, with outcome failed); nothing else changed
    for (const key of Object.keys(after))
      if (key.startsWith(`warehouse${path.sep}logs`) || key === `warehouse${path.sep}audit.jsonl`)
        delete after[key];
    expect(fs.readFileSync(path.join(warehouse, 'audit.jsonl'), 'utf8')).toMatch(/"outcome":"failed"/);
    expect(after).toEqual(before);
    expect(fs.readdirSync(warehouse).filter((n) => n.startsWith('.restore-'))).toEqual([]);
  });

  it('fails verify on a file that is a link out of the snapshot, without reading it', async () => {
    const { root, dir } = await setup();
    fs.writeFileSync(path.join(root, 'secret.txt'), 'payload');
    fs.symlinkSync(path.join(root, 'secret.txt'), path.join(dir, 'reports', 'link.html'));
    craft(dir, ['reports/link.html']);
    const verification = await verifyBackup(dir);
    expect(verification.ok).toBe(false);
    expect(verification.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^reports\/link\.html: not a regular file/)]),
    );
    expect(verification.checkedFiles).toBe(readManifest(dir).files.length - 1);
  });

  it('refuses a verified snapshot whose entries would replace snapshots, logs or locks', async () => {
    const { root, warehouse, id, dir } = await setup();
    // a snapshot folder inside the warehouse, the default place
    const inside = path.join(warehouse, 'backups');
    fs.cpSync(path.dirname(dir), inside, { recursive: true });
    const copy = path.join(inside, id);
    fs.mkdirSync(path.join(copy, 'backups'), { recursive: true });
    fs.writeFileSync(path.join(copy, 'backups', 'x.txt'), 'payload');
    craft(copy, ['backups/x.txt']);
    expect((await verifyBackup(copy)).ok).toBe(true);
    const before = fingerprint(root);
    const restore = restoreBackup({ warehouseDir: warehouse, id, log, clock: systemClock });
    await expect(restore).rejects.toThrow(
      /"backups\/x.txt": backups is not warehouse state .* nothing was changed/,
    );
    expect(fingerprint(root)).toEqual(before);
  });

  it('refuses a snapshot id that is a path', async () => {
    const { warehouse, snaps } = await setup();
    await expect(
      restoreBackup({ warehouseDir: warehouse, backupsDir: snaps, id: '../snaps', log, clock: systemClock }),
    ).rejects.toThrow(/"..\/snaps" is not a snapshot id/);
  });

  it('removes the staging folder a crashed restore left, and names the command for entries it moved aside', async () => {
    const { warehouse, snaps, id } = await setup();
    const staging = path.join(warehouse, `.restore-${id}-staging`);
    fs.mkdirSync(path.join(staging, 'lake'), { recursive: true });
    fs.writeFileSync(path.join(staging, 'lake', 'half.parquet'), 'torn');
    fs.mkdirSync(path.join(warehouse, `.restore-${id}-replaced`));
    await restoreBackup({ warehouseDir: warehouse, backupsDir: snaps, id, log, clock: systemClock });
    expect(fs.readdirSync(warehouse).filter((n) => n.startsWith('.restore-'))).toEqual([]);

    const aside = path.join(warehouse, `.restore-${id}-replaced`);
    fs.mkdirSync(path.join(aside, 'reports'), { recursive: true });
    fs.writeFileSync(path.join(aside, 'reports', 'old.html'), 'old');
    const restore = restoreBackup({
      warehouseDir: warehouse,
      backupsDir: snaps,
      id,
      log,
      clock: systemClock,
    });
    await expect(restore).rejects.toThrow(`holds reports, moved aside by a restore that was interrupted`);
    await expect(restore).rejects.toThrow(`rm -rf '${aside}' && mqs restore ID`);
    expect(fs.readFileSync(path.join(aside, 'reports', 'old.html'), 'utf8')).toBe('old');
  });
});
