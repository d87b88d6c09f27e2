import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.ts';
import { UsageError } from '../core/errors.ts';
import { silentLogger } from '../core/log.ts';
import { etlThenBackup, nextSessionRun, parseSchedule, runNightlySchedule } from './nightly-schedule.ts';

function steppingClock(start: number): Clock {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
}

describe('nightly schedule', () => {
  const next = parseSchedule('15 18 * * 1-5');

  it('reads the cron expression in New York time across DST', () => {
    // Friday 2024-03-08 (EST, UTC-5) → Monday 2024-03-11 (EDT, UTC-4).
    expect(new Date(next(Date.UTC(2024, 2, 8, 12))).toISOString()).toBe('2024-03-08T23:15:00.000Z');
    expect(new Date(next(Date.UTC(2024, 2, 9))).toISOString()).toBe('2024-03-11T22:15:00.000Z');
  });

  it('skips holidays', () => {
    // Thursday 2024-03-28 → Good Friday 2024-03-29 is closed → Monday 2024-04-01.
    const at = nextSessionRun(next, Date.UTC(2024, 2, 28, 23, 0));
    expect(new Date(at).toISOString()).toBe('2024-04-01T22:15:00.000Z');
  });

  it('rejects a malformed expression naming the setting and the fix', () => {
    expect(() => parseSchedule('61 18 * * *')).toThrow(UsageError);
    expect(() => parseSchedule('61 18 * * *')).toThrow(
      /ETL_SCHEDULE_CRON: "61 18 \* \* \*" is not a cron expression/,
    );
  });

  it('runs once per session fire, never overlapping, and counts failures', async () => {
    const clock = steppingClock(Date.UTC(2024, 2, 27, 12));
    const startedAt: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const result = await runNightlySchedule({
      cron: '15 18 * * 1-5',
      clock,
      log: silentLogger(),
      maxRuns: 3,
      runOnce: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        startedAt.push(new Date(clock.now()).toISOString());
        // why: a run that lasts past the next fire must not start a second run meanwhile.
        await clock.sleep(30 * 3_600_000);
        running--;
        return startedAt.length === 2 ? 1 : 0;
      },
    });
    expect(result).toEqual({ runs: 3, failures: 1 });
    expect(maxRunning).toBe(1);
    expect(startedAt).toEqual([
      '2024-03-27T22:15:00.000Z',
      '2024-04-01T22:15:00.000Z',
      '2024-04-03T22:15:00.000Z',
    ]);
  });

  it('catches up at start when asked', async () => {
    const clock = steppingClock(Date.UTC(2024, 2, 27, 12));
    const startedAt: number[] = [];
    await runNightlySchedule({
      cron: '15 18 * * 1-5',
      clock,
      log: silentLogger(),
      maxRuns: 1,
      runAtStart: true,
      runOnce: async () => {
        startedAt.push(clock.now());
        return 0;
      },
    });
    expect(startedAt).toEqual([Date.UTC(2024, 2, 27, 12)]);
  });
});

describe('nightly job', () => {
  it('backs up after the ETL, also after a partial run, and fails when the backup fails', async () => {
    const log = silentLogger();
    const calls: string[] = [];
    const etl = (code: number) => async () => {
      calls.push('etl');
      return code;
    };
    const backup = async () => {
      calls.push('backup');
    };
    expect(await etlThenBackup(etl(0), backup, log)).toBe(0);
    expect(await etlThenBackup(etl(1), backup, log)).toBe(1);
    expect(calls).toEqual(['etl', 'backup', 'etl', 'backup']);
    const broken = async () => {
      throw new Error('disk full');
    };
    expect(await etlThenBackup(etl(0), broken, log)).toBe(1);
    expect(await etlThenBackup(etl(0), undefined, log)).toBe(0);
  });
});
