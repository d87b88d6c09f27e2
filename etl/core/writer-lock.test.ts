import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../extract/manual-clock.ts';
import { systemClock } from './clock.ts';
import { LockedError } from './errors.ts';
import { acquireWriterLock } from './writer-lock.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('writer lock', () => {
  it('refuses a second holder after the bounded wait, naming the first', async () => {
    const dir = tempDir();
    const clock = new ManualClock();
    const first = await acquireWriterLock(dir, 'etl', { command: 'mqs etl', clock });
    let waitedFor: string | undefined;
    const second = acquireWriterLock(dir, 'etl', {
      command: 'mqs etl',
      clock,
      waitMs: 300,
      pollMs: 50,
      onWait: (h) => {
        waitedFor = h.command;
      },
    });
    second.catch(() => {});
    await clock.advance(300);
    await expect(second).rejects.toBeInstanceOf(LockedError);
    await expect(second).rejects.toThrow(new RegExp(`held by mqs etl \\(pid ${process.pid}`));
    expect(waitedFor).toBe('mqs etl');
    first.release();
    const third = await acquireWriterLock(dir, 'etl', { command: 'mqs etl', clock: systemClock, waitMs: 0 });
    third.release();
    expect(fs.existsSync(path.join(dir, 'etl.lock'))).toBe(false);
  });

  it('takes over a lock whose holder died', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10)']);
    await new Promise((r) => child.on('exit', r));
    fs.writeFileSync(
      path.join(dir, 'etl.lock'),
      JSON.stringify({ pid: child.pid, host: os.hostname(), command: 'dead', since: '2024-01-01T00:00:00Z' }),
    );
    const lock = await acquireWriterLock(dir, 'etl', { command: 'mqs etl', clock: systemClock, waitMs: 0 });
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('waits for a live holder that releases in time, then holds the lock itself', async () => {
    const dir = tempDir();
    // why: a manual clock, so the wait is measured in polls, not in how fast this machine runs.
    const clock = new ManualClock();
    const first = await acquireWriterLock(dir, 'etl', { command: 'a', clock });
    const waitedFor: string[] = [];
    let acquired = false;
    const second = acquireWriterLock(dir, 'etl', {
      command: 'b',
      clock,
      waitMs: 5000,
      pollMs: 20,
      onWait: (holder) => waitedFor.push(holder.command),
    }).then((lock) => {
      acquired = true;
      return lock;
    });
    await clock.advance(1000);
    expect(acquired).toBe(false);
    expect(waitedFor).toEqual(['a']);
    expect(JSON.parse(fs.readFileSync(first.file, 'utf8')).command).toBe('a');
    first.release();
    await clock.advance(20);
    expect(acquired).toBe(true);
    const lock = await second;
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8'))).toMatchObject({ command: 'b', pid: process.pid });
    expect(waitedFor).toEqual(['a']);
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
  });
});
