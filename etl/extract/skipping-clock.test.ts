import { describe, expect, it } from 'vitest';
import { SkippingClock } from './manual-clock.ts';

describe('SkippingClock', () => {
  it('ends a sleep on the next turn of the event loop with its time moved to the sleep’s end', async () => {
    const clock = new SkippingClock(1_000);
    await clock.sleep(60_000);
    expect(clock.now()).toBe(61_000);
    await clock.sleep(0);
    expect(clock.now()).toBe(61_000);
  });

  it('moves the time to the latest end of sleeps begun together, not their sum', async () => {
    const clock = new SkippingClock(0);
    const ends: number[] = [];
    await Promise.all(
      [5_000, 20_000, 10_000].map((ms) => clock.sleep(ms).then(() => ends.push(clock.now()))),
    );
    expect(clock.now()).toBe(20_000);
    expect(Math.min(...ends)).toBeGreaterThanOrEqual(5_000);
  });

  it('rejects a sleep whose signal is already aborted, leaving the time', async () => {
    const clock = new SkippingClock(0);
    const aborted = AbortSignal.abort(new Error('stop'));
    await expect(clock.sleep(1_000, aborted)).rejects.toThrow('stop');
    expect(clock.now()).toBe(0);
  });
});
