/** The FMP client's statistics: what it sent and received, what it threw, and its limiter's and breaker's state. */
import type { BreakerState, CircuitBreakerStats } from './circuit-breaker.ts';
import type { FmpError, FmpErrorKind } from './fmp-errors.ts';
import type { TransferCounters } from './fmp-transport.ts';
import type { RateLimiterStats } from './rate-limiter.ts';

export interface FmpClientStats {
  /** HTTP attempts sent by this client (retries included). */
  requests: number;
  /** Answers by HTTP status; `network` counts attempts that got no answer. */
  byStatus: Record<string, number>;
  /** Attempts that repeated an earlier one (after a 429, 5xx, reset, timeout or a bad body). */
  retries: number;
  /** 429 answers, and 200s carrying `Limit Reach`. */
  http429: number;
  /** Errors thrown to callers, by kind. */
  errors: Partial<Record<FmpErrorKind, number>>;
  /** Endpoints disabled for this run by a 402. */
  disabledEndpoints: string[];
  /** Response bytes as received (compressed) and after decompression. */
  wireBytes: number;
  decodedBytes: number;
  /** Main-thread time spent decoding and validating bodies, ms. */
  parseMs: number;
  /** The key's shared limiter (every client of the key in this process). */
  limiter: {
    limitPerMin: number;
    configuredLimitPerMin: number;
    limitPerDay: number | undefined;
    /** Starts in the last window: the current rate per minute. */
    ratePerMin: number;
    waits: number;
    waitMs: number;
    pauses: number;
    rateLowerings: number;
    /** Times a lowered rate climbed back after a clean window. */
    rateRaisings: number;
  };
  breaker: { state: BreakerState; opens: number; probes: number };
}

/** One client's counters; the transport and the retry loop add to them. */
export class FmpClientCounters implements TransferCounters {
  requests = 0;
  retries = 0;
  http429 = 0;
  wireBytes = 0;
  decodedBytes = 0;
  parseMs = 0;
  private readonly byStatus: Record<string, number> = {};
  private readonly errors: Partial<Record<FmpErrorKind, number>> = {};

  /** An answer by its HTTP status, or `network` for an attempt without one. */
  countStatus(key: string): void {
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
  }

  /** An error thrown to a caller: counted by kind when it is an FmpError. */
  countError(error: unknown): void {
    const kind = (error as Partial<FmpError>).kind;
    if (kind) this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  snapshot(
    limiter: RateLimiterStats,
    breaker: CircuitBreakerStats,
    disabledEndpoints: Iterable<string>,
  ): FmpClientStats {
    return {
      requests: this.requests,
      retries: this.retries,
      http429: this.http429,
      wireBytes: this.wireBytes,
      decodedBytes: this.decodedBytes,
      parseMs: this.parseMs,
      byStatus: { ...this.byStatus },
      errors: { ...this.errors },
      disabledEndpoints: [...disabledEndpoints],
      limiter: {
        limitPerMin: limiter.limitPerMin,
        configuredLimitPerMin: limiter.configuredLimitPerMin,
        limitPerDay: limiter.limitPerDay,
        ratePerMin: limiter.startsInLastWindow,
        waits: limiter.waits,
        waitMs: limiter.waitMs,
        pauses: limiter.pauses,
        rateLowerings: limiter.rateLowerings,
        rateRaisings: limiter.rateRaisings,
      },
      breaker: { state: breaker.state, opens: breaker.opens, probes: breaker.probes },
    };
  }
}
