import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';

export interface CircuitBreakerOptions {
  /** Consecutive network failures (no HTTP answer) that open the breaker. Default 5. */
  failureThreshold?: number;
  /** First wait before a probe, ms; doubles per failed probe. Default 1,000. */
  probeBaseMs?: number;
  /** Longest wait between probes, ms. Default 30,000. */
  probeMaxMs?: number;
  /** How long one request waits for an open breaker before it gives up, ms. Default 300,000. */
  maxWaitMs?: number;
}

export type BreakerState = 'closed' | 'open';

export interface CircuitBreakerStats {
  state: BreakerState;
  /** Times the breaker opened. */
  opens: number;
  /** Probes sent while open. */
  probes: number;
  consecutiveFailures: number;
}

/** The breaker gave up waiting for the outage to end. */
export class BreakerOpenTooLongError extends Error {
  constructor(waitedMs: number) {
    super(`FMP unreachable: the circuit breaker stayed open for ${Math.round(waitedMs / 1000)} s`);
    this.name = 'BreakerOpenTooLongError';
  }
}

/**
 * Stops every request after a run of network failures, probes the API's own origin with backoff and jitter, and
 * lets requests through again once a probe gets any HTTP answer. It never contacts another host.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private opens = 0;
  private probes = 0;
  private waiters: Array<() => void> = [];
  private stopped = new AbortController();
  private readonly failureThreshold: number;
  private readonly probeBaseMs: number;
  private readonly probeMaxMs: number;
  private readonly maxWaitMs: number;

  constructor(
    options: CircuitBreakerOptions,
    private readonly probe: (signal: AbortSignal) => Promise<boolean>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.probeBaseMs = options.probeBaseMs ?? 1_000;
    this.probeMaxMs = options.probeMaxMs ?? 30_000;
    this.maxWaitMs = options.maxWaitMs ?? 300_000;
  }

  /** Resolves at once while closed; otherwise when a probe succeeds. Rejects after `maxWaitMs`. */
  async waitUntilClosed(signal?: AbortSignal): Promise<void> {
    if (this.state === 'closed') return;
    const started = this.clock.now();
    const timeout = new AbortController();
    const onAbort = () => timeout.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push(resolve)),
        this.clock.sleep(this.maxWaitMs, timeout.signal).then(
          () => {
            throw new BreakerOpenTooLongError(this.clock.now() - started);
          },
          () => undefined,
        ),
      ]);
    } finally {
      timeout.abort();
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) throw signal.reason;
  }

  /** An HTTP answer arrived (any status). */
  noteAnswer(): void {
    this.consecutiveFailures = 0;
  }

  /** A request got no HTTP answer (refused, reset, timed out). */
  noteNetworkFailure(): void {
    this.consecutiveFailures += 1;
    if (this.state === 'closed' && this.consecutiveFailures >= this.failureThreshold) this.open();
  }

  stats(): CircuitBreakerStats {
    return {
      state: this.state,
      opens: this.opens,
      probes: this.probes,
      consecutiveFailures: this.consecutiveFailures,
    };
  }

  close(): void {
    this.stopped.abort();
    this.closeBreaker();
  }

  private open(): void {
    this.state = 'open';
    this.opens += 1;
    this.log.warn(
      { consecutiveFailures: this.consecutiveFailures },
      'fmp unreachable: circuit breaker open, probing',
    );
    void this.probeUntilAnswered();
  }

  private closeBreaker(): void {
    this.state = 'closed';
    this.consecutiveFailures = 0;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private async probeUntilAnswered(): Promise<void> {
    let delayMs = this.probeBaseMs;
    while (this.state === 'open' && !this.stopped.signal.aborted) {
      const jittered = Math.round(delayMs / 2 + (this.random() * delayMs) / 2);
      try {
        await this.clock.sleep(jittered, this.stopped.signal);
      } catch {
        return;
      }
      this.probes += 1;
      const answered = await this.probe(this.stopped.signal).catch(() => false);
      if (answered) {
        this.log.info({ probes: this.probes }, 'fmp reachable again: circuit breaker closed');
        this.closeBreaker();
        return;
      }
      delayMs = Math.min(this.probeMaxMs, delayMs * 2);
    }
  }
}
