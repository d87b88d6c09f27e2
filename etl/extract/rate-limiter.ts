/**
 * Admission control for one API key: a concurrency cap, exact sliding-window start limits, a pause after 429s
 * and the rate's additive increase, multiplicative decrease. `key-limiters.ts` shares one per key.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { StartRing } from './start-ring.ts';

export interface RateLimiterOptions {
  /** Most request starts in any sliding window of `windowMs` (default one minute). */
  limitPerMin: number;
  /** Most request starts in any sliding 24 h (FMP Basic: 250). Default: no daily limit. */
  limitPerDay?: number;
  /** Most requests in flight at once. */
  concurrency: number;
  clock: Clock;
  log: Logger;
  /** Length of the per-minute window, ms. Default 60,000; tests shorten it. */
  windowMs?: number;
  /**
   * Extra spacing added to the window, ms. Default 500.
   * why: the server counts arrivals, which trail our starts by a variable delay; without a margin a request that
   * left exactly one window after its predecessor can arrive inside the server's window.
   */
  marginMs?: number;
  /** First pause after a 429, ms (doubles per consecutive 429). Default 5,000 (docs/fmp.md#plans-and-rate-limits). */
  pauseBaseMs?: number;
  /** Longest pause after a 429, ms. Default 60,000. */
  pauseMaxMs?: number;
  /** Random source in [0, 1) for jitter; tests pass a fixed one. Default Math.random. */
  random?: () => number;
  /**
   * Share of the configured limit added back per clean window after the rate was lowered. Default 0.1: from
   * half the plan back to all of it in five clean minutes.
   */
  recoveryStepShare?: number;
}

export interface RateLimiterStats {
  /** The per-minute limit now in force (lower than configured after repeated 429s). */
  limitPerMin: number;
  configuredLimitPerMin: number;
  limitPerDay: number | undefined;
  concurrency: number;
  /** Requests started so far. */
  started: number;
  /** Starts in the last window: the current rate per minute. */
  startsInLastWindow: number;
  /** Starts that had to wait for the window or a pause. */
  waits: number;
  /** Total time those starts waited, ms. */
  waitMs: number;
  /** Pauses of the whole limiter after a 429. */
  pauses: number;
  /** Times the rate was lowered because 429s recurred below it. */
  rateLowerings: number;
  /** Times a lowered rate was raised again after a clean window. */
  rateRaisings: number;
  /** Epoch ms until which starts are paused, or 0. */
  pausedUntil: number;
  active: number;
  queued: number;
}

/** 429 answers in a row (no accepted answer between) that lower the rate. */
const RUN_OF_429_TO_LOWER = 3;

interface Waiter {
  enqueuedAt: number;
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Admission control for one API key: a concurrency cap, an exact sliding-window start limit (per minute and
 * optionally per day), and a pause that stops every start after a 429. Waiters are served first come, first served.
 */
export class RateLimiter {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly windowMs: number;
  private readonly marginMs: number;
  private readonly pauseBaseMs: number;
  private readonly pauseMaxMs: number;
  private readonly random: () => number;
  private readonly configuredLimitPerMin: number;
  private readonly limitPerDay: number | undefined;
  private readonly concurrency: number;
  private limitPerMin: number;
  private readonly minuteRing: StartRing;
  private readonly dayRing: StartRing | undefined;
  private readonly queue: Waiter[] = [];
  private active = 0;
  private pausedUntil = 0;
  private consecutive429 = 0;
  /** 429 answers since the last accepted answer or the last lowering. */
  private run429 = 0;
  /** When the limit last changed (lowered or raised); a raise waits one window after it. */
  private lastRateChangeAt = Number.NEGATIVE_INFINITY;
  private lastLoweringAt = Number.NEGATIVE_INFINITY;
  private readonly recoveryStep: number;
  private timer: AbortController | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;
  private counters = { started: 0, waits: 0, waitMs: 0, pauses: 0, rateLowerings: 0, rateRaisings: 0 };

  constructor(options: RateLimiterOptions) {
    if (!(options.limitPerMin >= 1)) throw new RangeError('limitPerMin must be at least 1');
    if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    this.clock = options.clock;
    this.log = options.log;
    this.windowMs = options.windowMs ?? 60_000;
    this.marginMs = options.marginMs ?? 500;
    this.pauseBaseMs = options.pauseBaseMs ?? 5_000;
    this.pauseMaxMs = options.pauseMaxMs ?? 60_000;
    this.random = options.random ?? Math.random;
    this.configuredLimitPerMin = Math.floor(options.limitPerMin);
    this.limitPerMin = this.configuredLimitPerMin;
    this.limitPerDay = options.limitPerDay;
    this.concurrency = Math.floor(options.concurrency);
    this.minuteRing = new StartRing(this.limitPerMin);
    this.recoveryStep = Math.max(
      1,
      Math.ceil(this.configuredLimitPerMin * (options.recoveryStepShare ?? 0.1)),
    );
    this.dayRing = options.limitPerDay ? new StartRing(options.limitPerDay) : undefined;
  }

  /**
   * Waits for a free slot and a start permit; resolves with the function that frees the slot. The start is
   * counted against the window when this resolves, whatever the request then does.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.closed) return Promise.reject(new Error('rate limiter closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { enqueuedAt: this.clock.now(), resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Runs `task` inside a slot. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  /**
   * Reports a 429 `Limit Reach`: pauses every start with exponential backoff and jitter (or `retryAfterMs` when
   * the server sent one) and, when 429s recur (three answers in a row, no accepted one between) although we stay
   * under our limit, lowers the limit, at most once a window. Returns the pause, ms.
   */
  noteRateLimited(retryAfterMs?: number): number {
    const now = this.clock.now();
    this.consecutive429 += 1;
    const nominal = Math.min(this.pauseMaxMs, this.pauseBaseMs * 2 ** (this.consecutive429 - 1));
    const pauseMs =
      retryAfterMs !== undefined && retryAfterMs >= 0
        ? retryAfterMs
        : Math.round(nominal / 2 + (this.random() * nominal) / 2);
    if (this.pausedUntil <= now) this.counters.pauses += 1;
    this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
    this.log.warn(
      { pauseMs, consecutive429: this.consecutive429, limitPerMin: this.limitPerMin },
      'fmp rate limit hit: pausing all requests',
    );

    this.run429 += 1;
    const startsInWindow = this.minuteRing.countSince(now - this.windowMs);
    // why: a server limit below ours rejects every request until its window frees, so its 429s come in a row; a
    // stray 429 (FMP sends some at any rate) is followed by accepted answers and only pauses. Lowering on any two
    // 429s within a window took a run with 2% stray 429s from 3000/min down to 99/min; lowering on two in a row
    // still took 10% stray 429s down to 54/min within a minute (a pair is 10% likely there, a triple 1%). So:
    // three in a row, at most one lowering a window, and then back off to 90% of what we actually sent, by at
    // most half at a time.
    if (
      this.run429 >= RUN_OF_429_TO_LOWER &&
      now - this.lastLoweringAt >= this.windowMs &&
      startsInWindow >= 1 &&
      startsInWindow <= this.limitPerMin
    ) {
      const lowered = Math.max(
        1,
        Math.ceil(this.limitPerMin / 2),
        Math.floor(Math.min(this.limitPerMin, startsInWindow) * 0.9),
      );
      if (lowered < this.limitPerMin) {
        this.log.warn(
          {
            fromPerMin: this.limitPerMin,
            toPerMin: lowered,
            startsInWindow,
            configuredPerMin: this.configuredLimitPerMin,
          },
          'fmp 429s recur below our rate: lowering the rate limit',
        );
        this.setLimit(lowered, now);
        this.lastLoweringAt = now;
        this.counters.rateLowerings += 1;
        this.run429 = 0;
      }
    }
    this.pump();
    return pauseMs;
  }

  /**
   * Reports an answer that was not a 429: the backoff starts over, and a lowered limit climbs back by
   * `recoveryStepShare` of the configured one per window without a lowering (additive increase), never above
   * the configured limit.
   */
  noteAccepted(): void {
    this.consecutive429 = 0;
    this.run429 = 0;
    if (this.limitPerMin >= this.configuredLimitPerMin) return;
    const now = this.clock.now();
    if (now - this.lastRateChangeAt < this.windowMs) return;
    const raised = Math.min(this.configuredLimitPerMin, this.limitPerMin + this.recoveryStep);
    this.log.info(
      { fromPerMin: this.limitPerMin, toPerMin: raised, configuredPerMin: this.configuredLimitPerMin },
      'fmp answers clean for a window: raising the rate limit',
    );
    this.setLimit(raised, now);
    this.counters.rateRaisings += 1;
    this.pump();
  }

  private setLimit(limitPerMin: number, now: number): void {
    this.limitPerMin = limitPerMin;
    this.minuteRing.resize(limitPerMin);
    this.lastRateChangeAt = now;
  }

  stats(): RateLimiterStats {
    const now = this.clock.now();
    return {
      limitPerMin: this.limitPerMin,
      configuredLimitPerMin: this.configuredLimitPerMin,
      limitPerDay: this.limitPerDay,
      concurrency: this.concurrency,
      ...this.counters,
      startsInLastWindow: this.minuteRing.countSince(now - this.windowMs),
      pausedUntil: this.pausedUntil > now ? this.pausedUntil : 0,
      active: this.active,
      queued: this.queue.length,
    };
  }

  /** Rejects every waiter and stops the timer. */
  close(): void {
    this.closed = true;
    this.timer?.abort();
    for (const waiter of this.queue.splice(0)) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort!);
      waiter.reject(new Error('rate limiter closed'));
    }
  }

  /** Earliest time the next start is allowed by the windows and the pause. */
  private nextStartAt(): number {
    let at = this.pausedUntil;
    at = Math.max(at, this.minuteRing.oldestWhenFull() + this.windowMs + this.marginMs);
    if (this.dayRing) at = Math.max(at, this.dayRing.oldestWhenFull() + 86_400_000 + this.marginMs);
    return at;
  }

  private pump(): void {
    if (this.closed) return;
    while (this.queue.length > 0 && this.active < this.concurrency) {
      const now = this.clock.now();
      const startAt = this.nextStartAt();
      if (startAt > now) {
        this.armTimer(startAt);
        return;
      }
      const waiter = this.queue.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort!);
      this.minuteRing.push(now);
      this.dayRing?.push(now);
      this.active += 1;
      this.counters.started += 1;
      const waited = now - waiter.enqueuedAt;
      if (waited > 0) {
        this.counters.waits += 1;
        this.counters.waitMs += waited;
      }
      let released = false;
      waiter.resolve(() => {
        if (released) return;
        released = true;
        this.active -= 1;
        this.pump();
      });
    }
  }

  private armTimer(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    this.timer?.abort();
    const controller = new AbortController();
    this.timer = controller;
    this.timerAt = at;
    this.clock.sleep(Math.max(0, at - this.clock.now()), controller.signal).then(
      () => {
        if (this.timer !== controller) return;
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      () => undefined,
    );
  }
}
