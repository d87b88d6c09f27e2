import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { PROJECT_ROOT } from '../core/project-root.ts';
import { readManifest, readSnapshot, snapshotVersions } from './lake-manifest.ts';
import { bundleScript } from './testing/bundle-script.ts';
import { loadChildWindows } from './testing/load-child.ts';
import { openWarehouseReader } from './warehouse-reader.ts';
import { openWarehouseWriter } from './warehouse-writer.ts';

// why: starting the child is much of a round; through tsx's loader a start to 'ready' took 2.5–3.2 s of CPU, the
// child bundled from the same sources (built here, so never stale) 1.2–1.5 s.
let childScript: string;
beforeAll(async () => {
  childScript = await bundleScript(path.join(import.meta.dirname, 'testing', 'load-child.ts'));
});
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  if (childScript) fs.rmSync(childScript, { force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-crash-'));
  dirs.push(d);
  return d;
}

interface RunningChild {
  child: ChildProcess;
  /** Resolves when the child has opened the writer (epoch ms). */
  ready: Promise<number>;
  done: Promise<{ code: number | null; out: string; err: string }>;
}

function startChild(dir: string, publishEvery = 4, span: 'week' | 'day' = 'week'): RunningChild {
  const child = spawn(process.execPath, [childScript, dir, String(publishEvery), span], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  let markReady: (at: number) => void = () => {};
  const ready = new Promise<number>((resolve) => {
    markReady = resolve;
  });
  child.stderr!.on('data', (d) => {
    err += d;
    if (err.includes('ready\n')) markReady(Date.now());
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
  return { child, ready, done };
}

/** Runs the child to the end; returns its summary and how long it worked after opening the writer, ms. */
async function runToEnd(dir: string): Promise<{ summary: string; workMs: number }> {
  const { ready, done } = startChild(dir);
  const result = await done;
  const finishedAt = Date.now();
  if (result.code !== 0) throw new Error(`load child failed (${result.code}): ${result.err}`);
  return { summary: result.out.trim(), workMs: finishedAt - (await ready) };
}

/** What a reader sees: per symbol and interval the count, distinct keys and value sums, plus adjusted closes. */
async function snapshot(dir: string): Promise<unknown> {
  const reader = await openWarehouseReader(dir);
  try {
    const rows = await reader.connection.runAndReadAll(
      `select symbol, interval, count(*) n, count(distinct bar_start_at) k, sum(volume) v,
              round(sum(close), 4) c, round(sum(adj_close), 4) a, min(bar_start_at) first_at, max(bar_end_at) last_at
       from bars group by all order by all`,
    );
    const daily = await reader.connection.runAndReadAll(
      'select count(*) n, sum(bar_count) b from bars_daily',
    );
    return { bars: rows.getRowObjectsJson(), daily: daily.getRowObjectsJson() };
  } finally {
    reader.close();
  }
}

describe('crash safety and concurrent readers', () => {
  it('converges to the expected data after SIGKILL at random points, ten times', async () => {
    // why: each run starts from a copy of a warehouse opened once (etl.duckdb migrated), sparing every child the
    // migrations; kills land after the child's writer is open, so they never hit the first open anyway.
    const template = tempDir();
    (await openWarehouseWriter({ warehouseDir: template, log: silentLogger(), clock: systemClock })).close();
    const copyOfTemplate = () => {
      const dir = tempDir();
      fs.cpSync(template, dir, { recursive: true });
      return dir;
    };
    const referenceDir = copyOfTemplate();
    const { summary: expectedSummary, workMs } = await runToEnd(referenceDir);
    const expected = await snapshot(referenceDir);
    expect((expected as { bars: unknown[] }).bars).toHaveLength(4);

    const rounds = 10;
    let killedMidRun = 0;
    for (let round = 0; round < rounds; round++) {
      const dir = copyOfTemplate();
      const { child, ready, done } = startChild(dir);
      // why: kill anywhere from the writer's open to the end of a whole run (commits, publishes, renames); each
      // round at a random point of its own tenth of the run, so the ten kills spread over all of it.
      const killAfterMs = Math.floor(((round + Math.random()) / rounds) * workMs);
      await Promise.race([ready, done]);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      child.kill('SIGKILL');
      if ((await done).code === null) killedMidRun++;
      // why: the run after the crash is the next writer to open the warehouse, whichever process it is; here it
      // runs in this one, sparing a process start per round. Only the killed writer needs a process of its own.
      const summary = await loadChildWindows(dir);
      expect(summary, `round ${round}, killed after ${killAfterMs} ms`).toBe(expectedSummary);
      expect(await snapshot(dir), `round ${round}, killed after ${killAfterMs} ms`).toEqual(expected);
    }
    expect(killedMidRun).toBeGreaterThan(0);
  }, 300_000);

  it('lets a reader loop queries through 30 publishes and compactions, each read equal to one snapshot', async () => {
    const dir = tempDir();
    const { done } = startChild(dir, 1, 'day');
    let finished = false;
    const result = done.then((r) => {
      finished = true;
      return r;
    });
    const errors: string[] = [];
    const reads: { version: number; n: number; daily: number }[] = [];
    while (!finished) {
      try {
        const reader = await openWarehouseReader(dir);
        try {
          const version = reader.snapshot.manifests.etl.version;
          // why: two queries on one reader, with publishes landing between them, must see the same snapshot.
          const r = await reader.query(
            'select count(*) n, count(distinct (symbol, interval, bar_start_at)) k from bars',
          );
          const [n, k] = r.getRowsJS()[0]!.map(Number);
          if (n !== k) errors.push(`duplicates seen: ${n} rows, ${k} keys`);
          const d = await reader.query('select sum(bar_count) b from bars_daily');
          const daily = Number(d.getRowsJS()[0]![0] ?? 0);
          if (daily !== n) errors.push(`bars_daily saw ${daily} bars, bars ${n}, in snapshot ${version}`);
          reads.push({ version, n: n!, daily });
        } finally {
          reader.close();
        }
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    const { code, err } = await result;
    expect(code, err).toBe(0);
    expect(errors).toEqual([]);
    const root = path.join(dir, 'lake');
    const last = readManifest(root);
    expect(last.version).toBeGreaterThanOrEqual(20);
    // why: every count read equals the rows its snapshot's manifest lists for bars, exactly.
    const rowsOf = (version: number) =>
      version === 0
        ? 0
        : (readSnapshot(root, version).datasets.bars ?? []).reduce((sum, f) => sum + f.rows, 0);
    for (const read of reads) expect(read.n, `snapshot ${read.version}`).toBe(rowsOf(read.version));
    expect(new Set(reads.map((r) => r.version)).size).toBeGreaterThan(3);
    // why: a compaction is a snapshot that dropped bars files its predecessor listed.
    const compactions = snapshotVersions(root).filter((v) => {
      if (v === 1) return false;
      const now = new Set((readSnapshot(root, v).datasets.bars ?? []).map((f) => f.path));
      return (readSnapshot(root, v - 1).datasets.bars ?? []).some((f) => !now.has(f.path));
    });
    expect(compactions.length).toBeGreaterThan(0);
    expect(rowsOf(last.version)).toBe(3 * 5 * 2 * 390);
  }, 180_000);
});
