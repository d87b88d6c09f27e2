import { describe, expect, it } from 'vitest';
import type { Session } from '../core/calendar.ts';
import type { Clock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { nyDateTimeToUtcMs } from '../core/time.ts';
import { realtimeCycleMs, realtimeStep, runRealtime } from './realtime-poller.ts';

const ny = (date: string, h: number, m = 0, s = 0) => nyDateTimeToUtcMs(date, h, m, s);
const fresh = { nextPollAt: undefined, polledAfterClose: false };

describe('realtimeStep', () => {
  it('waits for the first bar to complete after the open', () => {
    expect(realtimeStep(ny('2024-03-11', 8, 0), fresh, 5000, true)).toEqual({
      kind: 'wait',
      untilMs: ny('2024-03-11', 9, 31, 5),
      reason: 'before-open',
    });
  });

  it('polls during regular hours and paces by the cycle', () => {
    expect(realtimeStep(ny('2024-03-11', 10, 0), fresh, 5000, true).kind).toBe('poll');
    const pace = { nextPollAt: ny('2024-03-11', 10, 1), polledAfterClose: false };
    expect(realtimeStep(ny('2024-03-11', 10, 0, 30), pace, 5000, true)).toEqual({
      kind: 'wait',
      untilMs: ny('2024-03-11', 10, 1),
      reason: 'between-polls',
    });
  });

  it('polls once after an early close, then stops', () => {
    // 2024-11-29 closes at 13:00.
    const after = ny('2024-11-29', 13, 0, 6);
    expect(
      realtimeStep(after, { nextPollAt: after + 60_000, polledAfterClose: false }, 5000, true).kind,
    ).toBe('poll');
    expect(realtimeStep(after, { nextPollAt: after + 60_000, polledAfterClose: true }, 5000, true)).toEqual({
      kind: 'stop',
      reason: 'closed',
    });
  });

  it('idles on a holiday until the next session opens', () => {
    // Good Friday 2024-03-29 → Monday 2024-04-01.
    expect(realtimeStep(ny('2024-03-29', 11, 0), fresh, 5000, false)).toEqual({
      kind: 'wait',
      untilMs: ny('2024-04-01', 9, 31, 5),
      reason: 'no-session',
    });
  });

  it('stretches the cycle to stay within the rate limit', () => {
    expect(realtimeCycleMs(50, 300)).toBe(60_000);
    expect(realtimeCycleMs(1000, 300)).toBe(Math.ceil((1000 / 270) * 60_000));
  });
});

describe('runRealtime', () => {
  it('polls from the open to the close within the budget, then stops', async () => {
    let now = ny('2024-11-29', 9, 0);
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    };
    const polledAt: number[] = [];
    const result = await runRealtime({
      symbols: ['AAPL', 'MSFT'],
      clock,
      log: silentLogger(),
      limitPerMin: 300,
      pollOnce: async (_symbols, session: Session) => {
        expect(session.date).toBe('2024-11-29');
        polledAt.push(now);
        now += 2_000;
        return 2;
      },
    });
    // 09:31:05 … 12:59:05 every minute (209 polls), plus one after the 13:00 close.
    expect(polledAt[0]).toBe(ny('2024-11-29', 9, 31, 5));
    expect(polledAt.at(-1)).toBe(ny('2024-11-29', 13, 0, 5));
    expect(result.polls).toBe(polledAt.length);
    expect(result.rows).toBe(2 * polledAt.length);
    for (let i = 1; i < polledAt.length; i++)
      expect(polledAt[i]! - polledAt[i - 1]!).toBeGreaterThanOrEqual(60_000);
  });
});
