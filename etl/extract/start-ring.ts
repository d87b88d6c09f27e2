/**
 * The start times of the last `capacity` requests, oldest first.
 * why: an exact sliding window needs only the N-th most recent start: a new start at `t` is allowed when that
 * start is at least one window old, so no window of that length ever holds more than N starts.
 */
export class StartRing {
  private times: Float64Array;
  private head = 0;
  private size = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(Math.max(1, capacity));
  }

  get capacity(): number {
    return this.times.length;
  }

  get length(): number {
    return this.size;
  }

  /** The oldest start kept, or -Infinity while fewer than `capacity` starts were recorded. */
  oldestWhenFull(): number {
    return this.size < this.times.length ? Number.NEGATIVE_INFINITY : this.times[this.head]!;
  }

  push(t: number): void {
    const cap = this.times.length;
    if (this.size < cap) {
      this.times[(this.head + this.size) % cap] = t;
      this.size += 1;
    } else {
      this.times[this.head] = t;
      this.head = (this.head + 1) % cap;
    }
  }

  /** Starts at or after `since`. */
  countSince(since: number): number {
    let n = 0;
    const cap = this.times.length;
    for (let i = this.size - 1; i >= 0; i--) {
      if (this.times[(this.head + i) % cap]! < since) break;
      n += 1;
    }
    return n;
  }

  /** Changes the capacity, keeping the most recent starts. */
  resize(capacity: number): void {
    const cap = this.times.length;
    const keep = Math.min(this.size, Math.max(1, capacity));
    const next = new Float64Array(Math.max(1, capacity));
    for (let i = 0; i < keep; i++) next[i] = this.times[(this.head + this.size - keep + i) % cap]!;
    this.times = next;
    this.head = 0;
    this.size = keep;
  }
}
