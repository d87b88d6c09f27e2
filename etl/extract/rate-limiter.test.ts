import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.ts';
import { acquireKeyLimiter, apiKeyFingerprint } from './key-limiters.ts';
import { ManualClock } from './manual-clock.ts';
import { RateLimiter } from './rate-limiter.ts';
import { StartRing } from './start-ring.ts';

/** Most starts inside any half-open window of `windowMs`. */
function maxStartsInAnyWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

function capturingLogger(): { log: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    log: pino({ level: 'debug' }, stream),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('StartRing', () => {
  it('reports the oldest of the last N starts only once full, and keeps the newest on resize', () => {
    const ring = new StartRing(3);
    ring.push(1);
    ring.push(2);
    expect(ring.oldestWhenFull()).toBe(Number.NEGATIVE_INFINITY);
    ring.push(3);
    ring.push(4);
    expect(ring.oldestWhenFull()).toBe(2);
    expect(ring.countSince(3)).toBe(2);
    ring.resize(2);
    expect(ring.oldestWhenFull()).toBe(3);
    ring.resize(5);
    expect(ring.length).toBe(2);
    expect(ring.oldestWhenFull()).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('RateLimiter', () => {
  it('never starts more than the limit in any sliding window, and starts the next one as soon as the window allows', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      limitPerMin: 10,
      concurrency: 4,
      clock,
      log: silentLogger(),
      marginMs: 0,
    });
    const starts: number[] = [];
    const t0 = clock.now();
    const tasks = Array.from({ length: 35 }, (_, i) =>
      limiter.run(async () => {
        starts.push(clock.now());
        await clock.sleep(100 + (i % 7) * 300);
      }),
    );
    await clock.runUntilIdle();
    await Promise.all(tasks);
    expect(starts).toHaveLength(35);
    expect(maxStartsInAnyWindow(starts, 60_000)).toBe(10);
    // the 11th start comes exactly one window after the 1st: the limit is used fully, not approximately
    expect(starts[10]! - starts[0]!).toBe(60_000);
    expect(starts[0]).toBe(t0);
    expect(limiter.stats()).toMatchObject({ started: 35, active: 0, queued: 0 });
    expect(limiter.stats().waits).toBeGreaterThanOrEqual(25);
  });

  it('keeps at most `concurrency` tasks in flight', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ limitPerMin: 1000, concurrency: 3, clock, log: silentLogger() });
    let inFlight = 0;
    let peak = 0;
    const tasks = Array.from({ length: 20 }, () =>
      limiter.run(async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await clock.sleep(50);
        inFlight--;
      }),
    );
    await clock.runUntilIdle();
    await Promise.all(tasks);
    expect(peak).toBe(3);
  });

  it('adds the margin to the window', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      limitPerMin: 2,
      concurrency: 2,
      clock,
      log: silentLogger(),
      marginMs: 400,
    });
    const starts: number[] = [];
    const tasks = Array.from({ length: 3 }, () => limiter.run(async () => void starts.push(clock.now())));
    await clock.runUntilIdle();
    await Promise.all(tasks);
    expect(starts[2]! - starts[0]!).toBe(60_400);
  });

  it('enforces the daily limit as well as the per-minute one', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      limitPerMin: 5,
      limitPerDay: 7,
      concurrency: 5,
      clock,
      log: silentLogger(),
      marginMs: 0,
    });
    const starts: number[] = [];
    const tasks = Array.from({ length: 8 }, () => limiter.run(async () => void starts.push(clock.now())));
    await clock.runUntilIdle(2 * 86_400_000);
    await Promise.all(tasks);
    expect(maxStartsInAnyWindow(starts, 86_400_000)).toBe(7);
    expect(starts[7]! - starts[0]!).toBe(86_400_000);
  });

  it('pauses every start after a 429, with growing backoff, and honours Retry-After', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      limitPerMin: 100,
      concurrency: 2,
      clock,
      log: silentLogger(),
      pauseBaseMs: 1000,
      random: () => 1,
    });
    const t0 = clock.now();
    expect(limiter.noteRateLimited()).toBe(1000);
    expect(limiter.noteRateLimited()).toBe(2000);
    // no starts yet, so nothing says the server's limit is below ours
    expect(limiter.stats().limitPerMin).toBe(100);
    const starts: number[] = [];
    const tasks = Array.from({ length: 3 }, () => limiter.run(async () => void starts.push(clock.now())));
    await clock.advance(1999);
    expect(starts).toEqual([]);
    await clock.advance(1);
    await Promise.all(tasks);
    expect(starts).toEqual([t0 + 2000, t0 + 2000, t0 + 2000]);
    expect(limiter.stats().pauses).toBe(1);

    limiter.noteAccepted();
    expect(limiter.noteRateLimited(7000)).toBe(7000);
    expect(limiter.stats().pausedUntil).toBe(clock.now() + 7000);
    expect(limiter.stats().pauses).toBe(2);
  });

  it('lowers the rate and says so when 429s recur below the configured rate', async () => {
    const clock = new ManualClock();
    const { log, lines } = capturingLogger();
    const limiter = new RateLimiter({ limitPerMin: 20, concurrency: 4, clock, log, pauseBaseMs: 10 });
    const tasks = Array.from({ length: 14 }, () => limiter.run(async () => undefined));
    await clock.advance(1);
    await Promise.all(tasks);
    limiter.noteRateLimited();
    await clock.advance(1000);
    limiter.noteRateLimited();
    // two in a row may still be stray ones
    expect(limiter.stats().limitPerMin).toBe(20);
    await clock.advance(1000);
    limiter.noteRateLimited();
    expect(limiter.stats()).toMatchObject({ limitPerMin: 12, configuredLimitPerMin: 20, rateLowerings: 1 });
    // at most one lowering a window: more 429s in the same run only pause
    limiter.noteRateLimited();
    limiter.noteRateLimited();
    limiter.noteRateLimited();
    expect(limiter.stats()).toMatchObject({ limitPerMin: 12, rateLowerings: 1 });
    const lowered = lines().find((l) => String(l.msg).includes('lowering the rate limit'));
    expect(lowered).toMatchObject({ fromPerMin: 20, toPerMin: 12 });

    // with the lowered limit, no more than 12 start in any window from now on
    const starts: number[] = [];
    const more = Array.from({ length: 12 }, () => limiter.run(async () => void starts.push(clock.now())));
    await clock.runUntilIdle();
    await Promise.all(more);
    expect(maxStartsInAnyWindow(starts, 60_000)).toBeLessThanOrEqual(12);
  });

  /**
   * Workers that keep the limiter busy like a fetch loop: each takes a slot, waits `latencyMs` for the answer,
   * reports it as a 429 or accepted as `answer(n, now)` says (n counts answers from 0), frees the slot.
   */
  function drive(limiter: RateLimiter, clock: ManualClock, answer: (n: number, now: number) => '429' | 'ok') {
    const starts: number[] = [];
    let answers = 0;
    let stopped = false;
    const worker = async () => {
      while (!stopped) {
        const release = await limiter.acquire();
        starts.push(clock.now());
        await clock.sleep(250);
        if (answer(answers++, clock.now()) === '429') limiter.noteRateLimited();
        else limiter.noteAccepted();
        release();
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    return {
      starts,
      stop: async () => {
        stopped = true;
        limiter.close();
        await Promise.allSettled(workers);
      },
    };
  }

  it('climbs back to the plan after a burst of 429s once answers are clean, never above it', async () => {
    const clock = new ManualClock();
    const { log, lines } = capturingLogger();
    const limiter = new RateLimiter({ limitPerMin: 100, concurrency: 4, clock, log, random: () => 0.5 });
    const t0 = clock.now();
    // a burst: every answer in the first 20 s is a 429 (the server's limit was briefly lower), then clean
    const run = drive(limiter, clock, (_, now) => (now - t0 < 20_000 ? '429' : 'ok'));
    const limits: number[] = [];
    for (let minute = 0; minute < 12; minute++) {
      for (let step = 0; step < 600; step++) await clock.advance(100);
      limits.push(limiter.stats().limitPerMin);
    }
    const stats = limiter.stats();
    const last = clock.now();
    await run.stop();
    expect(Math.min(...limits)).toBeLessThan(100);
    expect(stats).toMatchObject({ limitPerMin: 100, configuredLimitPerMin: 100 });
    expect(stats.rateLowerings).toBeGreaterThanOrEqual(1);
    expect(stats.rateRaisings).toBeGreaterThanOrEqual(1);
    // climbing, one step a clean window, never above the plan
    for (let i = 1; i < limits.length; i++) expect(limits[i]!).toBeGreaterThanOrEqual(limits[i - 1]!);
    expect(maxStartsInAnyWindow(run.starts, 60_000)).toBeLessThanOrEqual(100);
    // the rate is the plan's again: the last full window started the plan's limit
    expect(run.starts.filter((t) => t > last - 60_000).length).toBe(100);
    expect(lines().some((l) => String(l.msg).includes('raising the rate limit'))).toBe(true);
  });

  it('pauses on stray 429s but keeps the plan when they do not come three in a row', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ limitPerMin: 100, concurrency: 4, clock, log: silentLogger() });
    // two answers in a row out of every 50 are 429s (4%), never three
    const run = drive(limiter, clock, (n) => (n % 50 >= 48 ? '429' : 'ok'));
    for (let step = 0; step < 5 * 600; step++) await clock.advance(100);
    const stats = limiter.stats();
    const last = clock.now();
    await run.stop();
    expect(stats.pauses).toBeGreaterThan(5);
    expect(stats).toMatchObject({ limitPerMin: 100, rateLowerings: 0 });
    expect(run.starts.filter((t) => t > last - 60_000).length).toBeGreaterThanOrEqual(95);
  });

  it('drops a waiter whose signal aborts, without counting a start', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ limitPerMin: 1, concurrency: 1, clock, log: silentLogger() });
    const first = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    first();
    expect(limiter.stats()).toMatchObject({ started: 1, queued: 0 });
  });
});

describe('acquireKeyLimiter', () => {
  it('gives every client of one key the same limiter, another key its own, and names keys by a hash only', () => {
    const clock = new ManualClock();
    const options = { limitPerMin: 10, concurrency: 2, clock, log: silentLogger() };
    const a = acquireKeyLimiter('key-one-secret', options);
    const b = acquireKeyLimiter('key-one-secret', options);
    const c = acquireKeyLimiter('key-two-secret', options);
    expect(a.limiter).toBe(b.limiter);
    expect(c.limiter).not.toBe(a.limiter);
    expect(a.fingerprint).toBe(apiKeyFingerprint('key-one-secret'));
    expect(a.fingerprint).not.toContain('secret');
    a.release();
    b.release();
    c.release();
    const d = acquireKeyLimiter('key-one-secret', options);
    expect(d.limiter).not.toBe(a.limiter);
    d.release();
  });
});
