import type { Clock } from '../core/clock.ts';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A Clock that moves only when told to: tests drive time with `advance` and `runUntilIdle`.
 * why: limiter and backoff tests must not depend on wall-clock speed on a shared, contended machine.
 */
export class ManualClock implements Clock {
  protected current: number;
  private timers: Timer[] = [];
  private seq = 0;

  constructor(startMs = Date.UTC(2024, 2, 11, 14, 0)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = {
        at: this.current + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Pending sleeps. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due sleeps in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await settle();
      const next = this.nextTimer();
      if (!next || next.at > target) break;
      this.fire(next);
    }
    this.current = target;
    await settle();
  }

  /** Fires sleeps one after another until none is left or `limitMs` of fake time has passed. */
  async runUntilIdle(limitMs = 86_400_000): Promise<void> {
    const end = this.current + limitMs;
    for (;;) {
      await settle();
      const next = this.nextTimer();
      if (!next || next.at > end) return;
      this.fire(next);
    }
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers)
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }

  private fire(timer: Timer): void {
    this.timers = this.timers.filter((t) => t !== timer);
    this.current = Math.max(this.current, timer.at);
    timer.resolve();
  }
}

/** Lets pending promise continuations (and I/O callbacks) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock whose sleeps end at once (on the next turn of the event loop) and move its time to where they end:
 * for tests that run real I/O (the simulator over HTTP, DuckDB), where nothing can say when every request has
 * settled so that a ManualClock could be advanced. Every wait (rate-limit windows, pauses, backoff) is skipped
 * while the simulator and the client still see it pass; the time read never depends on how fast the machine is.
 * Sleeps begun together do not add up: each moves the time to its own end, if it is not there already.
 */
export class SkippingClock extends ManualClock {
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const end = this.current + Math.max(0, ms);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.current = Math.max(this.current, end);
        resolve();
      }),
    );
  }
}
