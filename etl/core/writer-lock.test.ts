import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
    const first = await acquireWriterLock(dir, 'etl', { command: 'mqs etl', clock: systemClock });
    let waitedFor: string | undefined;
    const second = acquireWriterLock(dir, 'etl', {
      command: 'mqs etl',
      clock: systemClock,
      waitMs: 300,
      pollMs: 50,
      onWait: (h) => {
        waitedFor = h.command;
      },
    });
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

  it('waits for a live holder that releases in time', async () => {
    const dir = tempDir();
    const first = await acquireWriterLock(dir, 'etl', { command: 'a', clock: systemClock });
    setTimeout(() => first.release(), 100);
    const second = await acquireWriterLock(dir, 'etl', {
      command: 'b',
      clock: systemClock,
      waitMs: 5000,
      pollMs: 20,
    });
    second.release();
  });
});
