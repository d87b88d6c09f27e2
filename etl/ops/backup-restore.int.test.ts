import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { LockedError, WorkFailedError } from '../core/errors.ts';
import { silentLogger } from '../core/log.ts';
import { acquireWriterLock } from '../core/writer-lock.ts';
import { sha256File } from './backup-manifest.ts';
import { createBackup } from './create-backup.ts';
import { listBackups } from './list-backups.ts';
import { openMemberStore } from './member-store.ts';
import { restoreBackup } from './restore-backup.ts';
import { verifyBackup } from './verify-backup.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-backup-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const log = silentLogger();

async function withDuckDb<T>(file: string, work: (run: (sql: string) => Promise<unknown[][]>) => Promise<T>) {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    return await work(async (sql) => (await connection.runAndReadAll(sql)).getRowsJson());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A small but real warehouse: ETL and books DuckDB files, a partitioned Parquet lake, members, a report. */
async function buildWarehouse(dir: string): Promise<void> {
  fs.mkdirSync(path.join(dir, 'lake'), { recursive: true });
  await withDuckDb(path.join(dir, 'etl.duckdb'), async (run) => {
    await run(`CREATE TABLE bars AS
      SELECT 'SYM' || (i % 7) AS symbol, '1min' AS interval,
             TIMESTAMPTZ '2024-03-08 14:30:00+00' + to_minutes(i // 7) AS bar_start_at,
             100 + (i % 13) * 0.25 AS open, 101 + (i % 13) * 0.25 AS high, 99 + (i % 13) * 0.25 AS low,
             100.5 + (i % 13) * 0.25 AS close, (i * 37) % 1000 AS volume
      FROM range(5000) t(i)`);
    await run(`CREATE TABLE windows AS SELECT 'SYM' || i AS symbol, 'loaded' AS status FROM range(7) t(i)`);
    await run(`COPY (SELECT *, year(bar_start_at) AS year, month(bar_start_at) AS month FROM bars)
      TO '${path.join(dir, 'lake', 'bars')}' (FORMAT parquet, PARTITION_BY (interval, year, month), COMPRESSION zstd)`);
  });
  await withDuckDb(path.join(dir, 'books.duckdb'), async (run) => {
    await run(
      `CREATE TABLE fills AS SELECT i AS fill_id, 'SYM' || (i % 3) AS symbol, i * 1.5 AS price FROM range(40) t(i)`,
    );
  });
  fs.mkdirSync(path.join(dir, 'reports'));
  fs.writeFileSync(path.join(dir, 'reports', 'backtest-1.html'), '<html>report</html>');
  await openMemberStore(dir, systemClock).add('root', 'admin', 'shell');
}

/** What a member would query: results from every store and the lake. */
async function queryEverything(dir: string): Promise<unknown> {
  return withDuckDb(':memory:', async (run) => {
    await run(`ATTACH '${path.join(dir, 'etl.duckdb')}' AS etl (READ_ONLY)`);
    await run(`ATTACH '${path.join(dir, 'books.duckdb')}' AS books (READ_ONLY)`);
    return {
      bars: await run(
        'SELECT symbol, count(*), sum(close), min(bar_start_at)::VARCHAR, max(volume) FROM etl.bars GROUP BY ALL ORDER BY 1',
      ),
      windows: await run('SELECT * FROM etl.windows ORDER BY 1'),
      fills: await run('SELECT sum(price), count(*) FROM books.fills'),
      lake: await run(
        `SELECT symbol, interval, count(*), sum(volume) FROM read_parquet('${path.join(dir, 'lake', 'bars')}/*/*/*/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY 1`,
      ),
    };
  });
}

async function checksums(dir: string, skip: (relative: string) => boolean = () => false) {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, absolute);
    if (!skip(relative)) out[relative] = await sha256File(absolute);
  }
  return out;
}

describe('backup and restore', () => {
  it('refuses to back up a warehouse that holds nothing yet, naming it, and leaves no snapshot', async () => {
    const warehouse = tempDir();
    await expect(createBackup({ warehouseDir: warehouse, log, clock: systemClock })).rejects.toThrow(
      `${warehouse} holds nothing to back up yet: run mqs etl first`,
    );
    expect(listBackups(path.join(warehouse, 'backups'))).toEqual([]);
    expect(fs.readdirSync(path.join(warehouse, 'backups'))).toEqual([]);
  });

  it('backs up, survives the warehouse being destroyed, and restores identical data and checksums', async () => {
    const warehouse = path.join(tempDir(), 'warehouse');
    const offsite = tempDir();
    fs.mkdirSync(warehouse);
    await buildWarehouse(warehouse);
    fs.mkdirSync(path.join(warehouse, 'lake', '.staging', 'bars'), { recursive: true });
    fs.writeFileSync(path.join(warehouse, 'lake', '.staging', 'bars', 'half.parquet'), 'torn');
    fs.mkdirSync(path.join(warehouse, 'logs'));
    fs.writeFileSync(path.join(warehouse, 'logs', 'etl.log'), '{"msg":"hi"}\n');
    const before = await queryEverything(warehouse);
    const sumsBefore = await checksums(warehouse, (p) => p.startsWith('logs') || p.includes('.staging'));

    const { manifest, dir } = await createBackup({
      warehouseDir: warehouse,
      backupsDir: offsite,
      log,
      clock: systemClock,
      createdBy: 'root',
    });
    expect(dir).toBe(path.join(offsite, manifest.id));
    expect(manifest.files.map((f) => f.path)).toEqual(Object.keys(sumsBefore).sort());
    expect(Object.fromEntries(manifest.files.map((f) => [f.path, f.sha256]))).toEqual(sumsBefore);
    expect(manifest.files.some((f) => f.path.startsWith('lake/bars/interval=1min/year=2024/month=3/'))).toBe(
      true,
    );
    expect(manifest.totalBytes).toBe(manifest.files.reduce((s, f) => s + f.size, 0));
    expect(await verifyBackup(dir)).toMatchObject({
      ok: true,
      problems: [],
      checkedFiles: manifest.files.length,
    });
    expect(listBackups(offsite).map((b) => [b.id, b.createdBy, b.fileCount])).toEqual([
      [manifest.id, 'root', manifest.files.length],
    ]);

    fs.rmSync(warehouse, { recursive: true, force: true });
    const result = await restoreBackup({
      warehouseDir: warehouse,
      backupsDir: offsite,
      id: manifest.id,
      log,
      clock: systemClock,
    });
    expect(result.keptLive).toEqual([]);
    expect(await checksums(warehouse)).toEqual(sumsBefore);
    expect(await queryEverything(warehouse)).toEqual(before);
    expect(fs.readdirSync(warehouse).filter((n) => n.startsWith('.restore-'))).toEqual([]);
  });

  it('rolls a changed warehouse back to the snapshot, keeping the live members and audit log', async () => {
    const warehouse = tempDir();
    await buildWarehouse(warehouse);
    const before = await queryEverything(warehouse);
    const { manifest } = await createBackup({ warehouseDir: warehouse, log, clock: systemClock });
    expect(manifest.files.some((f) => f.path.startsWith('backups/'))).toBe(false);
    const inside = path.join(warehouse, 'second-disk');
    const other = await createBackup({
      warehouseDir: warehouse,
      backupsDir: inside,
      log,
      clock: systemClock,
    });
    expect(other.manifest.files.map((f) => f.path)).toEqual(manifest.files.map((f) => f.path));

    await withDuckDb(path.join(warehouse, 'etl.duckdb'), (run) =>
      run('DELETE FROM bars WHERE symbol = $$SYM1$$'),
    );
    fs.writeFileSync(path.join(warehouse, 'reports', 'new.html'), 'later');
    fs.writeFileSync(path.join(warehouse, 'catalog.duckdb'), 'not in the snapshot');
    await openMemberStore(warehouse, systemClock).add('newbie', 'viewer', 'root');
    fs.appendFileSync(path.join(warehouse, 'audit.jsonl'), '{"who":"root","action":"x"}\n');
    expect(await queryEverything(warehouse)).not.toEqual(before);

    const result = await restoreBackup({ warehouseDir: warehouse, id: manifest.id, log, clock: systemClock });
    expect(result.keptLive).toEqual(['audit.jsonl', 'members.json']);
    expect(result.replaced).toEqual(['books.duckdb', 'catalog.duckdb', 'etl.duckdb', 'lake', 'reports']);
    expect((await verifyBackup(other.dir)).ok).toBe(true); // a snapshot folder inside the warehouse survives
    expect(await queryEverything(warehouse)).toEqual(before);
    expect(fs.existsSync(path.join(warehouse, 'catalog.duckdb'))).toBe(false);
    expect(fs.readdirSync(path.join(warehouse, 'reports'))).toEqual(['backtest-1.html']);
    expect(
      openMemberStore(warehouse, systemClock)
        .list()
        .map((m) => m.name),
    ).toEqual(['root', 'newbie']);
    expect(fs.readFileSync(path.join(warehouse, 'audit.jsonl'), 'utf8')).toContain('"action":"x"');
  });

  it('fails verify and restore on a corrupted snapshot and leaves the warehouse untouched', async () => {
    const warehouse = tempDir();
    await buildWarehouse(warehouse);
    const { manifest, dir } = await createBackup({ warehouseDir: warehouse, log, clock: systemClock });
    const parquet = manifest.files.find((f) => f.path.endsWith('.parquet'))!;
    const victim = path.join(dir, ...parquet.path.split('/'));
    const bytes = fs.readFileSync(victim);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff; // same size, one byte flipped
    fs.writeFileSync(victim, bytes);
    fs.writeFileSync(path.join(dir, 'planted.txt'), 'extra');

    const verification = await verifyBackup(dir);
    expect(verification.ok).toBe(false);
    expect(verification.problems).toEqual([
      expect.stringMatching(new RegExp(`^${parquet.path}: checksum [0-9a-f]{64} differs`)),
      'planted.txt: not in the manifest',
    ]);

    await withDuckDb(path.join(warehouse, 'etl.duckdb'), (run) => run('DELETE FROM bars'));
    const sums = await checksums(warehouse, (p) => p.startsWith('backups'));
    const restore = restoreBackup({ warehouseDir: warehouse, id: manifest.id, log, clock: systemClock });
    await expect(restore).rejects.toBeInstanceOf(WorkFailedError);
    await expect(restore).rejects.toThrow(/failed verification, nothing was changed/);
    expect(await checksums(warehouse, (p) => p.startsWith('backups'))).toEqual(sums);

    fs.rmSync(path.join(dir, 'manifest.json'));
    expect((await verifyBackup(dir)).problems[0]).toMatch(/no readable manifest.json/);
  });

  it('refuses to restore while a writer runs, and a backup waits for writers only as long as allowed', async () => {
    const warehouse = tempDir();
    await buildWarehouse(warehouse);
    const { manifest } = await createBackup({ warehouseDir: warehouse, log, clock: systemClock });
    const etl = await acquireWriterLock(warehouse, 'etl', { command: 'mqs etl', clock: systemClock });
    try {
      const restore = restoreBackup({ warehouseDir: warehouse, id: manifest.id, log, clock: systemClock });
      await expect(restore).rejects.toBeInstanceOf(LockedError);
      await expect(restore).rejects.toThrow(/restore refused while a writer runs: .*held by mqs etl/);
      const backup = createBackup({ warehouseDir: warehouse, log, clock: systemClock, lockWaitMs: 200 });
      await expect(backup).rejects.toThrow(/etl.lock is held by mqs etl/);
      expect(fs.existsSync(path.join(warehouse, 'books.lock'))).toBe(false);
    } finally {
      etl.release();
    }
    expect(listBackups(path.join(warehouse, 'backups')).map((b) => b.id)).toEqual([manifest.id]);
  });

  it('applies retention to the folder it writes in', async () => {
    const warehouse = tempDir();
    fs.writeFileSync(path.join(warehouse, 'members.json'), '{"version":1,"members":[]}');
    let now = Date.parse('2024-03-04T23:30:00Z');
    const clock = { ...systemClock, now: () => now };
    const ids: string[] = [];
    for (let day = 0; day < 4; day++) {
      const { manifest, pruned } = await createBackup({
        warehouseDir: warehouse,
        log,
        clock,
        retention: { keepDaily: 2, keepWeekly: 0 },
      });
      ids.push(manifest.id);
      expect(pruned).toEqual(day >= 2 ? [ids[day - 2]] : []);
      now += 86_400_000;
    }
    expect(listBackups(path.join(warehouse, 'backups')).map((b) => b.id)).toEqual([
      '20240306T233000Z',
      '20240307T233000Z',
    ]);
  });
});
