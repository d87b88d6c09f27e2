/**
 * The FMP client every job uses (docs/fmp.md): typed `/stable` endpoints, one limiter per API key, retries
 * with backoff and jitter, a circuit breaker that probes FMP itself, and typed errors that say what to do next.
 * This file puts the parts together: endpoints (`fmp-endpoints.ts`), HTTP (`fmp-transport.ts`), the retry loop
 * (`fmp-retry-loop.ts`), what an answer means (`classify-response.ts`) and statistics (`fmp-client-stats.ts`).
 */
import { type Clock, systemClock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { registerSecret } from '../core/secrets.ts';
import type { IsoDate } from '../core/time.ts';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.ts';
import { FmpClientCounters, type FmpClientStats } from './fmp-client-stats.ts';
import {
  batchQuoteCall,
  dividendsCall,
  eodCall,
  type FmpCall,
  holidaysCall,
  intradayCall,
  marketHoursCall,
  quoteCall,
  splitsCall,
  stockListCall,
} from './fmp-endpoints.ts';
import {
  callWithRetries,
  type FmpRetryOptions,
  type RetryLoopParts,
  retryDefaults,
} from './fmp-retry-loop.ts';
import { FmpTransport, parseBaseUrl } from './fmp-transport.ts';
import type { EodRequest, FmpClient, FmpRequestOptions, IntradayRequest } from './fmp-types.ts';
import { acquireKeyLimiter } from './key-limiters.ts';

export type { FmpClientStats } from './fmp-client-stats.ts';
export type { FmpRetryOptions } from './fmp-retry-loop.ts';
export type { EodRequest, FmpClient, FmpRequestOptions } from './fmp-types.ts';

export interface FmpRateLimitTuning {
  /** Sliding window length, ms. Default 60,000 (tests shorten it). */
  windowMs?: number;
  /** Spacing added to the window, ms. Default 500. */
  marginMs?: number;
  /** First pause after a 429, ms. Default 5,000. */
  pauseBaseMs?: number;
  /** Longest pause after a 429, ms. Default 60,000. */
  pauseMaxMs?: number;
}

export interface FmpClientOptions {
  /** FMP origin, e.g. `https://financialmodelingprep.com` or the simulator's URL; `/stable/...` is appended. */
  baseUrl: string;
  /** Sent as the `apikey` query parameter only; never logged. */
  apiKey: string;
  /** Request starts per sliding minute, for this key across the whole process. */
  rateLimitPerMin: number;
  /** Request starts per sliding 24 h (Basic plan). Default none. */
  rateLimitPerDay?: number;
  /** Requests in flight at once, for this key across the whole process. */
  concurrency: number;
  /** Per-attempt timeout, ms: connect, headers, body and the whole attempt. */
  timeoutMs: number;
  log: Logger;
  /** Default the system clock. Timers for backoff, pauses and the breaker go through it. */
  clock?: Clock;
  retry?: FmpRetryOptions;
  rateLimit?: FmpRateLimitTuning;
  breaker?: CircuitBreakerOptions;
  /** Random source in [0, 1) for jitter. Default Math.random. */
  random?: () => number;
}

/** Creates a client; every client with the same API key in this process shares one limiter. */
export function createFmpClient(options: FmpClientOptions): FmpClient {
  return new FmpHttpClient(options);
}

// why: the data methods' result types are inferred from their endpoint's parser; `implements` checks them
// against the interface in fmp-types.ts.
class FmpHttpClient implements FmpClient {
  private readonly parts: RetryLoopParts;
  private readonly releaseLimiter: () => void;
  private closed = false;

  constructor(options: FmpClientOptions) {
    // why: FMP keys are 32 characters; the simulator's default key is the word `demo`, which must not be scrubbed
    // from every log line (config.ts registers FMP_API_KEY from the environment whatever its length).
    if (options.apiKey.length >= 8) registerSecret(options.apiKey);
    const url = parseBaseUrl(options.baseUrl);
    const clock = options.clock ?? systemClock;
    const log = options.log.child({ component: 'fmp-client' });
    const random = options.random ?? Math.random;
    const retry = retryDefaults(options.retry);
    const shared = acquireKeyLimiter(options.apiKey, {
      limitPerMin: options.rateLimitPerMin,
      limitPerDay: options.rateLimitPerDay,
      concurrency: options.concurrency,
      clock,
      log,
      random,
      ...options.rateLimit,
    });
    this.releaseLimiter = shared.release;
    const counters = new FmpClientCounters();
    const transport = new FmpTransport({
      url,
      apiKey: options.apiKey,
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      clock,
      counters,
    });
    const breaker = new CircuitBreaker(
      options.breaker ?? {},
      (signal) => transport.probe(signal),
      clock,
      log,
      random,
    );
    this.parts = {
      transport,
      limiter: shared.limiter,
      breaker,
      clock,
      log,
      random,
      retry,
      counters,
      disabled: new Map<string, string>(),
      apiKey: options.apiKey,
    };
  }

  async intradayBars(req: IntradayRequest) {
    return this.call(intradayCall(req));
  }

  async eodBars(req: EodRequest) {
    return this.call(eodCall(req));
  }

  splits(symbol: string, options: FmpRequestOptions = {}) {
    return this.call(splitsCall(symbol, options));
  }

  dividends(symbol: string, options: FmpRequestOptions = {}) {
    return this.call(dividendsCall(symbol, options));
  }

  quote(symbol: string, options: FmpRequestOptions = {}) {
    return this.call(quoteCall(symbol, options));
  }

  async batchQuote(symbols: string[], options: FmpRequestOptions = {}) {
    if (symbols.length === 0) return [];
    return this.call(batchQuoteCall(symbols, options));
  }

  async marketHours(exchange: string, options: FmpRequestOptions = {}) {
    return this.call(marketHoursCall(exchange, options));
  }

  async holidays(
    exchange: string,
    range: { from?: IsoDate; to?: IsoDate } = {},
    options: FmpRequestOptions = {},
  ) {
    return this.call(holidaysCall(exchange, range, options));
  }

  stockList(options: FmpRequestOptions = {}) {
    return this.call(stockListCall(options));
  }

  stats(): FmpClientStats {
    const { counters, limiter, breaker, disabled } = this.parts;
    return counters.snapshot(limiter.stats(), breaker.stats(), disabled.keys());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.parts.breaker.close();
    this.releaseLimiter();
    await this.parts.transport.close();
  }

  /** One logical call (see `fmp-retry-loop.ts`); errors thrown to the caller are counted by kind. */
  private async call<T>(call: FmpCall<T>): Promise<T> {
    try {
      if (this.closed) throw new Error('FMP client is closed');
      return await callWithRetries(this.parts, call);
    } catch (error) {
      this.parts.counters.countError(error);
      throw error;
    }
  }
}
