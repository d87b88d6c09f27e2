/**
 * `mqs schedule`: runs the incremental ETL on a cron expression read in New York time, on trading sessions only,
 * one run at a time. A missed night needs no special handling: the ETL is incremental, so the next run fetches
 * every session after the watermarks.
 */
import { Cron } from 'croner';
import { isTradingDay } from '../core/calendar.ts';
import type { Clock } from '../core/clock.ts';
import { errorMessage, UsageError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { nyDateOf } from '../core/time.ts';

export const SCHEDULE_TIME_ZONE = 'America/New_York';

/** Validates a cron expression and returns a function giving the next fire instant (UTC ms) after `afterMs`. */
export function parseSchedule(expression: string, source = 'ETL_SCHEDULE_CRON'): (afterMs: number) => number {
  let cron: Cron;
  try {
    // why: paused, so croner never arms a timer; it only computes fire times (stop() would make nextRun null).
    cron = new Cron(expression, { timezone: SCHEDULE_TIME_ZONE, paused: true });
  } catch (error) {
    throw new UsageError(
      `${source}: ${JSON.stringify(expression)} is not a cron expression (${errorMessage(error)}); use five fields in New York time, e.g. "15 18 * * 1-5" for 18:15 on weekdays`,
      { cause: error },
    );
  }
  return (afterMs) => {
    const next = cron.nextRun(new Date(afterMs));
    if (!next) throw new UsageError(`${source}: ${JSON.stringify(expression)} never fires again`);
    return next.getTime();
  };
}

/** The next fire instant after `afterMs` that falls on a trading session (New York date). */
export function nextSessionRun(next: (afterMs: number) => number, afterMs: number): number {
  let at = next(afterMs);
  // why: a cron like "15 18 * * 1-5" also fires on holidays; skip to the next fire on a session day.
  for (let guard = 0; guard < 10_000 && !isTradingDay(nyDateOf(at)); guard++) at = next(at);
  return at;
}

export interface NightlyScheduleOptions {
  /** Cron expression in New York time. */
  cron: string;
  clock: Clock;
  log: Logger;
  /** One incremental ETL run; resolves with its exit code (0 ok, 1 failed windows, …). */
  runOnce(): Promise<number>;
  /** Run once at start before waiting for the first fire (catch up now). Default false. */
  runAtStart?: boolean;
  /** Stop after this many runs (tests, `--once`). Default: forever. */
  maxRuns?: number;
  signal?: AbortSignal;
}

/** Runs the ETL at each fire of the schedule that falls on a session; never overlaps itself. */
export async function runNightlySchedule(
  options: NightlyScheduleOptions,
): Promise<{ runs: number; failures: number }> {
  const next = parseSchedule(options.cron);
  const { clock, log } = options;
  let runs = 0;
  let failures = 0;
  const run = async (reason: string) => {
    const startedAt = clock.now();
    log.info({ reason }, 'scheduled etl run starting');
    let code: number;
    try {
      code = await options.runOnce();
    } catch (error) {
      log.error({ err: error }, 'scheduled etl run could not start');
      code = 1;
    }
    runs++;
    if (code !== 0) failures++;
    log[code === 0 ? 'info' : 'warn'](
      { exitCode: code, durationSec: Math.round((clock.now() - startedAt) / 1000) },
      'scheduled etl run finished',
    );
  };
  const done = () => options.signal?.aborted || (options.maxRuns !== undefined && runs >= options.maxRuns);
  if (options.runAtStart) await run('start');
  while (!done()) {
    // why: computed after the previous run ended, so a run longer than the period skips fires instead of piling up.
    const at = nextSessionRun(next, clock.now());
    log.info({ nextRunAt: new Date(at).toISOString(), sessionDate: nyDateOf(at) }, 'next scheduled etl run');
    try {
      await clock.sleep(Math.max(0, at - clock.now()), options.signal);
    } catch {
      break;
    }
    await run('schedule');
  }
  return { runs, failures };
}

/**
 * One nightly job: the incremental ETL, then a backup of whatever it left (a partial run is still worth keeping).
 * Resolves with the ETL's exit code, or 1 when the backup failed after a good ETL run.
 */
export async function etlThenBackup(
  runEtl: () => Promise<number>,
  backup: (() => Promise<void>) | undefined,
  log: Logger,
): Promise<number> {
  const code = await runEtl();
  if (!backup) return code;
  try {
    await backup();
    return code;
  } catch (error) {
    log.error({ err: error }, 'nightly backup failed');
    return code === 0 ? 1 : code;
  }
}
