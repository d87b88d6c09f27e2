import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from './clock.ts';
import { LockedError } from './errors.ts';

/** Who holds a writer lock: written as JSON into the lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  /** When the holder took the lock, ISO 8601 UTC. */
  since: string;
}

export interface WriterLock {
  readonly file: string;
  release(): void;
}

export interface AcquireOptions {
  /** What the holder is doing, shown to whoever waits (e.g. "mqs etl"). */
  command: string;
  /** How long to wait for another holder, ms. Default 30 000; 0 fails at once. */
  waitMs?: number;
  /** Poll period while waiting, ms. Default 250. */
  pollMs?: number;
  clock: Clock;
  /** Called once when the lock is busy and we start to wait. */
  onWait?: (holder: LockHolder) => void;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function isAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true; // why: we cannot see another host's processes; assume alive
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the single-writer lock `<dir>/<name>.lock` (created with O_EXCL). A lock left by a dead process on this
 * host is taken over. While another live process holds it, waits up to `waitMs`, then throws a LockedError that
 * names the holder.
 */
export async function acquireWriterLock(
  dir: string,
  name: string,
  options: AcquireOptions,
): Promise<WriterLock> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.lock`);
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    command: options.command,
    since: new Date(options.clock.now()).toISOString(),
  };
  const deadline = options.clock.now() + (options.waitMs ?? 30_000);
  let waited = false;
  for (;;) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      let released = false;
      return {
        file,
        release: () => {
          if (released) return;
          released = true;
          if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (!holder || !isAlive(holder)) {
      // why: a holder killed with SIGKILL cannot remove its file; a half-written file is treated the same way.
      // Rename first so that two waiters cannot both delete a fresh lock.
      const stale = `${file}.stale-${process.pid}`;
      try {
        fs.renameSync(file, stale);
        fs.rmSync(stale, { force: true });
      } catch {}
      continue;
    }
    if (options.clock.now() >= deadline) {
      throw new LockedError(
        `${file} is held by ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since}); ` +
          'wait for it to finish, or stop it, then run again',
      );
    }
    if (!waited) {
      waited = true;
      options.onWait?.(holder);
    }
    await options.clock.sleep(options.pollMs ?? 250);
  }
}
