import { nyDateOf } from '../core/time.ts';

/**
 * Counts calls the way the simulator charges them: a rolling window (default 60 s) and a per-New-York-day total.
 * Refused calls are not charged.
 */
export class CallLimiter {
  private readonly times: number[] = [];
  private head = 0;
  private day = '';
  private dayCount = 0;

  constructor(
    /** Calls allowed per window; undefined = unlimited. */
    private readonly perWindow: number | undefined,
    /** Calls allowed per New York calendar day; undefined = unlimited. */
    private readonly perDay: number | undefined,
    /** Window length, ms. */
    private readonly windowMs = 60_000,
  ) {}

  /** Charges one call at `nowMs` (UTC ms) and returns true, or returns false when a limit is reached. */
  tryAcquire(nowMs: number): boolean {
    if (this.perWindow !== undefined) {
      while (this.head < this.times.length && this.times[this.head] <= nowMs - this.windowMs) this.head++;
      if (this.head > 4096 && this.head * 2 > this.times.length) {
        this.times.splice(0, this.head);
        this.head = 0;
      }
      if (this.times.length - this.head >= this.perWindow) return false;
    }
    if (this.perDay !== undefined) {
      const day = nyDateOf(nowMs);
      if (day !== this.day) {
        this.day = day;
        this.dayCount = 0;
      }
      if (this.dayCount >= this.perDay) return false;
      this.dayCount++;
    }
    if (this.perWindow !== undefined) this.times.push(nowMs);
    return true;
  }
}
