/**
 * `mqs etl realtime`: during regular hours, polls today's 1-minute bars of each symbol and appends the bars that
 * have completed; idles outside regular hours and stops at the close. The cycle is stretched so that polling stays
 * within the client's rate budget (one request per symbol per cycle).
 */
import { nextSession, type Session, sessionOn } from '../core/calendar.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { MS_PER_MINUTE, nyDateOf } from '../core/time.ts';

export type RealtimeStep =
  /** Poll today's bars now. */
  | { kind: 'poll'; session: Session }
  /** Sleep until `untilMs` (UTC), then ask again. */
  | { kind: 'wait'; untilMs: number; reason: 'before-open' | 'between-polls' | 'no-session' }
  /** The session is over (the last bar has been polled after the close). */
  | { kind: 'stop'; reason: 'closed' };

export interface RealtimePace {
  /** Start of the next poll cycle, UTC ms (undefined before the first poll). */
  nextPollAt: number | undefined;
  /** Whether a poll has run after the close (the last bar of the session). */
  polledAfterClose: boolean;
}

/**
 * Poll cycle, ms: one minute, stretched when one request per symbol would exceed the share of the rate limit given
 * to polling. Default share 0.9 (the client keeps its own margin too).
 */
export function realtimeCycleMs(symbols: number, limitPerMin: number, share = 0.9): number {
  return Math.max(MS_PER_MINUTE, Math.ceil((symbols / (limitPerMin * share)) * MS_PER_MINUTE));
}

/** What the poller does at `nowMs`. `lagMs` is how long after a bar's end it is polled (FMP publishes late). */
export function realtimeStep(
  nowMs: number,
  pace: RealtimePace,
  lagMs: number,
  stopAtClose: boolean,
): RealtimeStep {
  const today = sessionOn(nyDateOf(nowMs));
  if (!today || (nowMs >= today.closeAt + lagMs && pace.polledAfterClose)) {
    if (today && stopAtClose) return { kind: 'stop', reason: 'closed' };
    if (!today && stopAtClose && pace.nextPollAt !== undefined) return { kind: 'stop', reason: 'closed' };
    const next = nextSession(nyDateOf(nowMs));
    return { kind: 'wait', untilMs: next.openAt + MS_PER_MINUTE + lagMs, reason: 'no-session' };
  }
  const firstPoll = today.openAt + MS_PER_MINUTE + lagMs;
  if (nowMs < firstPoll) return { kind: 'wait', untilMs: firstPoll, reason: 'before-open' };
  const due = Math.max(pace.nextPollAt ?? nowMs, firstPoll);
  // why: after the close one more poll picks up the last bar; then the session is done.
  if (nowMs >= today.closeAt + lagMs) return { kind: 'poll', session: today };
  if (nowMs < due)
    return { kind: 'wait', untilMs: Math.min(due, today.closeAt + lagMs), reason: 'between-polls' };
  return { kind: 'poll', session: today };
}

export interface RealtimeOptions {
  symbols: readonly string[];
  clock: Clock;
  log: Logger;
  /** The client's rate limit, requests per minute. */
  limitPerMin: number;
  /** Fetches today's bars of the symbols and appends the completed ones; resolves with the rows appended. */
  pollOnce(symbols: readonly string[], session: Session, signal: AbortSignal | undefined): Promise<number>;
  /** Delay after a bar's end before it is polled, ms. Default 5 000. */
  lagMs?: number;
  /** Stop at the close (default true); false idles until the next session. */
  stopAtClose?: boolean;
  signal?: AbortSignal;
}

export async function runRealtime(options: RealtimeOptions): Promise<{ polls: number; rows: number }> {
  const { clock, log } = options;
  const lagMs = options.lagMs ?? 5_000;
  const cycleMs = realtimeCycleMs(options.symbols.length, options.limitPerMin);
  const pace: RealtimePace = { nextPollAt: undefined, polledAfterClose: false };
  let polls = 0;
  let rows = 0;
  let sessionDate: string | undefined;
  log.info({ symbols: options.symbols.length, cycleSec: cycleMs / 1000 }, 'realtime polling');
  for (;;) {
    if (options.signal?.aborted) break;
    const now = clock.now();
    const step = realtimeStep(now, pace, lagMs, options.stopAtClose ?? true);
    if (step.kind === 'stop') {
      log.info({ polls, rows }, 'realtime polling stopped at the close');
      break;
    }
    if (step.kind === 'wait') {
      if (step.reason !== 'between-polls')
        log.info({ until: new Date(step.untilMs).toISOString(), reason: step.reason }, 'realtime idle');
      try {
        await clock.sleep(step.untilMs - now, options.signal);
      } catch {
        break;
      }
      continue;
    }
    if (sessionDate !== step.session.date) {
      sessionDate = step.session.date;
      pace.polledAfterClose = false;
    }
    const appended = await options.pollOnce(options.symbols, step.session, options.signal);
    polls++;
    rows += appended;
    log.debug({ rows: appended }, 'realtime poll');
    pace.nextPollAt = now + cycleMs;
    if (now >= step.session.closeAt + lagMs) pace.polledAfterClose = true;
  }
  return { polls, rows };
}
