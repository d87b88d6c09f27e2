/**
 * The FMP client every job uses (docs/fmp.md): typed `/stable` endpoints, one limiter per API key, retries
 * with backoff and jitter, a circuit breaker that probes FMP itself, and typed errors that say what to do next.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Pool } from 'undici';
import type { z } from 'zod';
import { type Clock, systemClock } from '../core/clock.ts';
import { UsageError } from '../core/errors.ts';
import { isIntradayInterval } from '../core/intervals.ts';
import type { Logger } from '../core/log.ts';
import { registerSecret, scrubSecrets } from '../core/secrets.ts';
import { normalizeSymbol } from '../core/symbols.ts';
import { type IsoDate, isIsoDate } from '../core/time.ts';
import {
  BreakerOpenTooLongError,
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from './circuit-breaker.ts';
import {
  FmpAuthError,
  FmpBadRequestError,
  FmpBandwidthError,
  FmpEndpointNotInPlanError,
  type FmpError,
  type FmpErrorKind,
  FmpResponseError,
  FmpRetriesExhaustedError,
  FmpSymbolNotInPlanError,
} from './fmp-errors.ts';
import {
  dividendsBodySchema,
  eodFullBodySchema,
  eodNonSplitAdjustedBodySchema,
  holidaysBodySchema,
  marketHoursBodySchema,
  quoteBodySchema,
  splitsBodySchema,
  stockListBodySchema,
} from './fmp-schemas.ts';
import type {
  FmpDividend,
  FmpEodBar,
  FmpHoliday,
  FmpIntradayColumns,
  FmpMarketHours,
  FmpQuote,
  FmpSplit,
  FmpStockListEntry,
  IntradayRequest,
} from './fmp-types.ts';
import { parseIntradayBody } from './intraday-parser.ts';
import { acquireKeyLimiter, type RateLimiter } from './rate-limiter.ts';

const gunzipAsync = promisify(gunzip);

/**
 * Output chunk size for inflating a gzip body: its decoded size from the gzip trailer (ISIZE, the size mod 2^32),
 * clamped to 64 KB … 16 MB. why: with zlib's default 16 KB chunks a ~200 KB body took a dozen round trips to the
 * main thread; one chunk cost 0.32 ms of CPU a body against 0.56 (measured). The trailer is only a size hint: a
 * wrong one costs extra chunks or a larger buffer, never wrong bytes.
 */
function gunzipChunkSize(wire: Buffer): number {
  const decoded = wire.length >= 18 ? wire.readUInt32LE(wire.length - 4) : 0;
  return Math.min(16 * 1024 * 1024, Math.max(64 * 1024, decoded + 1));
}

export interface FmpRetryOptions {
  /** Attempts per call for transient failures (5xx, resets, timeouts, bad bodies), first included. Default 6. */
  maxAttempts?: number;
  /** First retry delay, ms; doubles per attempt, with jitter. Default 500. */
  baseDelayMs?: number;
  /** Longest retry delay, ms. Default 30,000. */
  maxDelayMs?: number;
  /** Give up when a call (429 pauses included) has run this long, ms. Default 600,000. */
  maxElapsedMs?: number;
  /** 429 answers one call tolerates before it gives up. Default 30. */
  max429?: number;
}

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

export interface FmpRequestOptions {
  signal?: AbortSignal;
}

export interface EodRequest {
  symbol: string;
  /** First date, inclusive. */
  from?: IsoDate;
  /** Last date, inclusive. */
  to?: IsoDate;
  /** Default `split-adjusted` (`historical-price-eod/full`); `non-split-adjusted` gives raw prices. */
  adjustment?: 'split-adjusted' | 'non-split-adjusted';
  signal?: AbortSignal;
}

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

export interface FmpClient {
  /** Intraday bars of one symbol and date window, newest first as FMP sends them. `[]` gives `length: 0`. */
  intradayBars(req: IntradayRequest): Promise<FmpIntradayColumns>;
  eodBars(req: EodRequest): Promise<FmpEodBar[]>;
  splits(symbol: string, options?: FmpRequestOptions): Promise<FmpSplit[]>;
  dividends(symbol: string, options?: FmpRequestOptions): Promise<FmpDividend[]>;
  quote(symbol: string, options?: FmpRequestOptions): Promise<FmpQuote[]>;
  /** One request for many symbols (`batch-quote?symbols=A,B`). */
  batchQuote(symbols: string[], options?: FmpRequestOptions): Promise<FmpQuote[]>;
  marketHours(exchange: string, options?: FmpRequestOptions): Promise<FmpMarketHours[]>;
  holidays(
    exchange: string,
    range?: { from?: IsoDate; to?: IsoDate },
    options?: FmpRequestOptions,
  ): Promise<FmpHoliday[]>;
  stockList(options?: FmpRequestOptions): Promise<FmpStockListEntry[]>;
  stats(): FmpClientStats;
  /** Closes the connection pool and releases this client's share of the key's limiter. */
  close(): Promise<void>;
}

/** What one attempt produced. */
type Attempt =
  | { kind: 'answer'; status: number; body: Buffer; retryAfterMs: number | undefined }
  | { kind: 'network'; reason: string; answered: boolean };

/** A transient reason to try again. */
interface Transient {
  reason: string;
  validation: boolean;
}

interface CallContext {
  endpoint: string;
  symbol?: string;
  /** Human label for messages: `AAPL historical-chart/1min 2024-03-11..2024-03-12`. */
  label: string;
  signal: AbortSignal | undefined;
}

/** Parsing failed: the body is not what the schema expects. */
class BodyValidationError extends Error {}

const EXCHANGE = /^[A-Z]{2,12}$/;

/** Creates a client; every client with the same API key in this process shares one limiter. */
export function createFmpClient(options: FmpClientOptions): FmpClient {
  return new FmpHttpClient(options);
}

class FmpHttpClient implements FmpClient {
  private readonly pool: Pool;
  private readonly pathPrefix: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly limiter: RateLimiter;
  private readonly releaseLimiter: () => void;
  private readonly breaker: CircuitBreaker;
  private readonly retry: Required<FmpRetryOptions>;
  private readonly disabled = new Map<string, string>();
  private readonly counters = {
    requests: 0,
    retries: 0,
    http429: 0,
    wireBytes: 0,
    decodedBytes: 0,
    parseMs: 0,
  };
  private readonly byStatus: Record<string, number> = {};
  private readonly errorCounts: Partial<Record<FmpErrorKind, number>> = {};
  private closed = false;

  constructor(private readonly options: FmpClientOptions) {
    // why: FMP keys are 32 characters; the simulator's default key is the word `demo`, which must not be scrubbed
    // from every log line (config.ts registers FMP_API_KEY from the environment whatever its length).
    if (options.apiKey.length >= 8) registerSecret(options.apiKey);
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (cause) {
      throw new UsageError(
        `FMP base URL ${JSON.stringify(options.baseUrl)} is not a URL (expected e.g. https://financialmodelingprep.com)`,
        { cause },
      );
    }
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
    this.log = options.log.child({ component: 'fmp-client' });
    this.random = options.random ?? Math.random;
    this.retry = {
      maxAttempts: options.retry?.maxAttempts ?? 6,
      baseDelayMs: options.retry?.baseDelayMs ?? 500,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
      maxElapsedMs: options.retry?.maxElapsedMs ?? 600_000,
      max429: options.retry?.max429 ?? 30,
    };
    const shared = acquireKeyLimiter(options.apiKey, {
      limitPerMin: options.rateLimitPerMin,
      limitPerDay: options.rateLimitPerDay,
      concurrency: options.concurrency,
      clock: this.clock,
      log: this.log,
      random: this.random,
      ...options.rateLimit,
    });
    this.limiter = shared.limiter;
    this.releaseLimiter = shared.release;
    this.pool = new Pool(url.origin, {
      connections: options.concurrency,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    this.breaker = new CircuitBreaker(
      options.breaker ?? {},
      (signal) => this.probe(signal),
      this.clock,
      this.log,
      this.random,
    );
  }

  async intradayBars(req: IntradayRequest): Promise<FmpIntradayColumns> {
    if (!isIntradayInterval(req.interval)) {
      throw new UsageError(
        `unknown intraday interval ${JSON.stringify(req.interval)}: use 1min, 5min, 15min, 30min, 1hour or 4hour`,
      );
    }
    const symbol = normalizeSymbol(req.symbol);
    const params: Record<string, string> = {
      symbol,
      from: checkDate(req.from, 'from'),
      to: checkDate(req.to, 'to'),
    };
    if (req.extended) params.extended = 'true';
    if (req.nonadjusted !== undefined) params.nonadjusted = String(req.nonadjusted);
    const endpoint = `historical-chart/${req.interval}`;
    return this.call(
      { endpoint, symbol, label: `${symbol} ${endpoint} ${req.from}..${req.to}`, signal: req.signal },
      params,
      (body) => parseIntradayBody(body),
    );
  }

  async eodBars(req: EodRequest): Promise<FmpEodBar[]> {
    const symbol = normalizeSymbol(req.symbol);
    const params: Record<string, string> = { symbol };
    if (req.from !== undefined) params.from = checkDate(req.from, 'from');
    if (req.to !== undefined) params.to = checkDate(req.to, 'to');
    const raw = req.adjustment === 'non-split-adjusted';
    const endpoint = raw ? 'historical-price-eod/non-split-adjusted' : 'historical-price-eod/full';
    return this.call(
      {
        endpoint,
        symbol,
        label: `${symbol} ${endpoint} ${req.from ?? ''}..${req.to ?? ''}`,
        signal: req.signal,
      },
      params,
      (body) => parseJson(body, raw ? eodNonSplitAdjustedBodySchema : eodFullBodySchema),
    );
  }

  splits(symbol: string, options: FmpRequestOptions = {}): Promise<FmpSplit[]> {
    return this.symbolCall('splits', symbol, options, splitsBodySchema);
  }

  dividends(symbol: string, options: FmpRequestOptions = {}): Promise<FmpDividend[]> {
    return this.symbolCall('dividends', symbol, options, dividendsBodySchema);
  }

  quote(symbol: string, options: FmpRequestOptions = {}): Promise<FmpQuote[]> {
    return this.symbolCall('quote', symbol, options, quoteBodySchema);
  }

  async batchQuote(symbols: string[], options: FmpRequestOptions = {}): Promise<FmpQuote[]> {
    if (symbols.length === 0) return [];
    const list = symbols.map(normalizeSymbol).join(',');
    return this.call(
      { endpoint: 'batch-quote', label: `batch-quote (${symbols.length} symbols)`, signal: options.signal },
      { symbols: list },
      (body) => parseJson(body, quoteBodySchema),
    );
  }

  async marketHours(exchange: string, options: FmpRequestOptions = {}): Promise<FmpMarketHours[]> {
    const name = checkExchange(exchange);
    return this.call(
      { endpoint: 'exchange-market-hours', label: `exchange-market-hours ${name}`, signal: options.signal },
      { exchange: name },
      (body) => parseJson(body, marketHoursBodySchema),
    );
  }

  async holidays(
    exchange: string,
    range: { from?: IsoDate; to?: IsoDate } = {},
    options: FmpRequestOptions = {},
  ): Promise<FmpHoliday[]> {
    const name = checkExchange(exchange);
    const params: Record<string, string> = { exchange: name };
    if (range.from !== undefined) params.from = checkDate(range.from, 'from');
    if (range.to !== undefined) params.to = checkDate(range.to, 'to');
    return this.call(
      { endpoint: 'holidays-by-exchange', label: `holidays-by-exchange ${name}`, signal: options.signal },
      params,
      (body) => parseJson(body, holidaysBodySchema),
    );
  }

  stockList(options: FmpRequestOptions = {}): Promise<FmpStockListEntry[]> {
    return this.call({ endpoint: 'stock-list', label: 'stock-list', signal: options.signal }, {}, (body) =>
      parseJson(body, stockListBodySchema),
    );
  }

  stats(): FmpClientStats {
    const limiter = this.limiter.stats();
    const breaker = this.breaker.stats();
    return {
      ...this.counters,
      byStatus: { ...this.byStatus },
      errors: { ...this.errorCounts },
      disabledEndpoints: [...this.disabled.keys()],
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.breaker.close();
    this.releaseLimiter();
    await this.pool.close();
  }

  private symbolCall<S extends z.ZodType>(
    endpoint: string,
    rawSymbol: string,
    options: FmpRequestOptions,
    schema: S,
  ): Promise<z.output<S>> {
    const symbol = normalizeSymbol(rawSymbol);
    return this.call(
      { endpoint, symbol, label: `${symbol} ${endpoint}`, signal: options.signal },
      { symbol },
      (body) => parseJson(body, schema),
    );
  }

  /** One logical call: limiter, attempts, classification, retries. */
  private async call<T>(
    ctx: CallContext,
    params: Record<string, string>,
    parse: (body: Buffer) => T,
  ): Promise<T> {
    try {
      return await this.callOrThrow(ctx, params, parse);
    } catch (error) {
      const kind = (error as Partial<FmpError>).kind;
      if (kind) this.errorCounts[kind] = (this.errorCounts[kind] ?? 0) + 1;
      throw error;
    }
  }

  private async callOrThrow<T>(
    ctx: CallContext,
    params: Record<string, string>,
    parse: (body: Buffer) => T,
  ): Promise<T> {
    if (this.closed) throw new Error('FMP client is closed');
    const disabledKey = [ctx.endpoint, ...Object.keys(params).map((p) => `${ctx.endpoint} ${p}`)].find((k) =>
      this.disabled.has(k),
    );
    if (disabledKey !== undefined) {
      throw new FmpEndpointNotInPlanError(
        `${ctx.label}: ${disabledKey} is disabled for this run (${this.disabled.get(disabledKey)})`,
        { endpoint: ctx.endpoint, symbol: ctx.symbol, status: 402 },
      );
    }
    const path = this.pathOf(ctx.endpoint, params);
    const started = this.clock.now();
    let transientAttempts = 0;
    let rateLimited = 0;
    let sent = 0;
    let lastStatus: number | undefined;
    let last: Transient | undefined;
    for (;;) {
      try {
        await this.breaker.waitUntilClosed(ctx.signal);
      } catch (error) {
        if (error instanceof BreakerOpenTooLongError)
          throw this.exhausted(ctx, sent, lastStatus, error.message);
        throw error;
      }
      const release = await this.limiter.acquire(ctx.signal);
      if (sent > 0) this.counters.retries += 1;
      sent += 1;
      let attempt: Attempt;
      try {
        attempt = await this.send(path, ctx.signal);
      } finally {
        release();
      }
      if (attempt.kind === 'network') {
        this.count('network');
        if (attempt.answered) this.breaker.noteAnswer();
        else this.breaker.noteNetworkFailure();
        last = { reason: attempt.reason, validation: false };
      } else {
        this.breaker.noteAnswer();
        this.count(String(attempt.status));
        lastStatus = attempt.status;
        const outcome = this.classify(ctx, attempt);
        if (outcome.kind === 'rate-limited') {
          this.counters.http429 += 1;
          rateLimited += 1;
          const pauseMs = this.limiter.noteRateLimited(attempt.retryAfterMs);
          if (
            rateLimited > this.retry.max429 ||
            this.clock.now() + pauseMs - started > this.retry.maxElapsedMs
          ) {
            throw this.exhausted(ctx, sent, lastStatus, `${rateLimited} × 429 Limit Reach`);
          }
          continue;
        }
        this.limiter.noteAccepted();
        if (outcome.kind === 'error') throw outcome.error;
        if (outcome.kind === 'body') {
          const t0 = performance.now();
          try {
            const value = parse(attempt.body);
            this.counters.parseMs += performance.now() - t0;
            return value;
          } catch (error) {
            this.counters.parseMs += performance.now() - t0;
            last = { reason: `invalid body: ${this.sanitize(errorText(error))}`, validation: true };
          }
        } else {
          last = { reason: outcome.reason, validation: false };
        }
      }
      transientAttempts += 1;
      const delayMs = this.retryDelay(transientAttempts);
      if (
        transientAttempts >= this.retry.maxAttempts ||
        this.clock.now() + delayMs - started > this.retry.maxElapsedMs
      ) {
        if (last.validation) {
          throw new FmpResponseError(
            `${ctx.label}: FMP sent a body that failed validation on all ${transientAttempts} attempts (${last.reason})`,
            { endpoint: ctx.endpoint, symbol: ctx.symbol, status: lastStatus },
          );
        }
        throw this.exhausted(ctx, sent, lastStatus, last.reason);
      }
      this.log.debug(
        {
          endpoint: ctx.endpoint,
          symbol: ctx.symbol,
          attempt: transientAttempts,
          delayMs,
          reason: last.reason,
        },
        'fmp request failed, retrying',
      );
      await this.clock.sleep(delayMs, ctx.signal);
    }
  }

  /** Decides what an HTTP answer means (docs/fmp.md#errors). */
  private classify(
    ctx: CallContext,
    attempt: Extract<Attempt, { kind: 'answer' }>,
  ):
    | { kind: 'body' }
    | { kind: 'rate-limited' }
    | { kind: 'error'; error: FmpError }
    | { kind: 'transient'; reason: string } {
    const { status, body } = attempt;
    const message = errorMessageOf(status, body);
    const where = { endpoint: ctx.endpoint, symbol: ctx.symbol, status };
    const quoted = message === undefined ? '' : `: ${JSON.stringify(this.sanitize(message).slice(0, 200))}`;
    // why: "Bandwidth Limit Reach" contains "Limit Reach"; test it first.
    if (message?.includes('Bandwidth Limit Reach')) {
      return {
        kind: 'error',
        error: new FmpBandwidthError(
          `${ctx.label}: FMP's 30-day bandwidth for this key is used up (${status}${quoted}); stop and resume when it resets or upgrade the plan`,
          where,
        ),
      };
    }
    if (status === 429 || message?.includes('Limit Reach')) return { kind: 'rate-limited' };
    if (
      status === 401 ||
      status === 403 ||
      message?.includes('Invalid API KEY') ||
      message?.includes('Legacy Endpoint')
    ) {
      const fix = message?.includes('Legacy Endpoint')
        ? 'this key only works with the /stable API: set FMP_BASE_URL to the origin (https://financialmodelingprep.com), without /api/v3'
        : 'check FMP_API_KEY in .env (or unset it to use the built-in simulator) and the plan in FMP_PLAN';
      return {
        kind: 'error',
        error: new FmpAuthError(`${ctx.label}: FMP refused the key (${status}${quoted}); ${fix}`, where),
      };
    }
    if (
      status === 402 ||
      message?.includes('Restricted Endpoint') ||
      message?.includes('Premium Query Parameter')
    ) {
      if (ctx.symbol && message?.includes("'symbol'")) {
        return {
          kind: 'error',
          error: new FmpSymbolNotInPlanError(
            `${ctx.label}: symbol ${ctx.symbol} is not in this FMP plan (${status}${quoted}); skipping it`,
            where,
          ),
        };
      }
      const because = `${status}${quoted}`;
      // why: a gated parameter (`extended`) disables only calls that send it, not the whole endpoint.
      const gatedParameter = /Special Parameters : The values? for '(\w+)'/.exec(message ?? '')?.[1];
      const disabledKey = gatedParameter ? `${ctx.endpoint} ${gatedParameter}` : ctx.endpoint;
      this.disabled.set(disabledKey, because);
      this.log.warn({ endpoint: disabledKey, status }, 'fmp endpoint not in plan: disabled for this run');
      return {
        kind: 'error',
        error: new FmpEndpointNotInPlanError(
          `${ctx.label}: ${disabledKey} is not in this FMP plan (${because}); it is disabled for this run — set FMP_PLAN to the plan you have, or upgrade`,
          where,
        ),
      };
    }
    if (status === 400 || status === 404) {
      const what =
        status === 404 ? 'FMP does not know this path (check FMP_BASE_URL)' : 'FMP rejected the request';
      return {
        kind: 'error',
        error: new FmpBadRequestError(`${ctx.label}: ${what} (${status}${quoted})`, where),
      };
    }
    if (message !== undefined) return { kind: 'transient', reason: `HTTP ${status}${quoted}` };
    if (status >= 200 && status < 300) return { kind: 'body' };
    return { kind: 'transient', reason: `HTTP ${status}` };
  }

  /** One HTTP attempt; never throws except when the caller aborts. */
  private async send(path: string, callerSignal: AbortSignal | undefined): Promise<Attempt> {
    this.counters.requests += 1;
    // why: one controller per attempt, its listener removed afterwards; AbortSignal.any on a long-lived caller
    // signal would pile up listeners over thousands of requests.
    const attempt = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort(new Error(`timed out after ${this.options.timeoutMs} ms`));
    }, this.options.timeoutMs);
    const onCallerAbort = () => attempt.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    const signal = attempt.signal;
    let answered = false;
    try {
      const response = await this.pool.request({
        method: 'GET',
        path,
        headers: { 'accept-encoding': 'gzip', accept: 'application/json' },
        signal,
      });
      answered = true;
      const wire = Buffer.from(await response.body.arrayBuffer());
      this.counters.wireBytes += wire.length;
      const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
      const body = encoding === 'gzip' ? await gunzipAsync(wire, { chunkSize: gunzipChunkSize(wire) }) : wire;
      this.counters.decodedBytes += body.length;
      return {
        kind: 'answer',
        status: response.statusCode,
        body,
        retryAfterMs: retryAfterMs(response.headers['retry-after'], this.clock.now()),
      };
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      const reason = timedOut
        ? `timed out after ${this.options.timeoutMs} ms`
        : this.sanitize(errorText(error));
      return { kind: 'network', reason, answered };
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** The breaker's probe: any HTTP answer from FMP's own origin means it is reachable. */
  private async probe(stopSignal: AbortSignal): Promise<boolean> {
    const probe = new AbortController();
    const timer = setTimeout(() => probe.abort(), this.options.timeoutMs);
    const onStop = () => probe.abort();
    stopSignal.addEventListener('abort', onStop, { once: true });
    try {
      const response = await this.pool.request({
        method: 'GET',
        path: `${this.pathPrefix}/stable/`,
        signal: probe.signal,
      });
      await response.body.dump();
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      stopSignal.removeEventListener('abort', onStop);
    }
  }

  private pathOf(endpoint: string, params: Record<string, string>): string {
    const query = Object.entries(params)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    const sep = query === '' ? '' : '&';
    return `${this.pathPrefix}/stable/${endpoint}?${query}${sep}apikey=${encodeURIComponent(this.options.apiKey)}`;
  }

  private retryDelay(attempt: number): number {
    const nominal = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(nominal / 2 + (this.random() * nominal) / 2);
  }

  private exhausted(
    ctx: CallContext,
    attempts: number,
    status: number | undefined,
    reason: string,
  ): FmpRetriesExhaustedError {
    return new FmpRetriesExhaustedError(
      `${ctx.label}: FMP failed ${attempts} attempt(s), last: ${reason}; the window failed and the next run retries it`,
      { endpoint: ctx.endpoint, symbol: ctx.symbol, status, attempts },
    );
  }

  private count(key: string): void {
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
  }

  /** Removes the key (and any `apikey=` parameter) from text that came from the network or a library. */
  private sanitize(text: string): string {
    return scrubSecrets(text).split(this.options.apiKey).join('***');
  }
}

function parseJson<S extends z.ZodType>(body: Buffer, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new BodyValidationError(`malformed JSON (${errorText(error)})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BodyValidationError(`at ${issue.path.join('.') || 'the top level'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * FMP's error text: the `Error Message` of an object body (any status), or the plain-text body of a non-2xx answer.
 * undefined for a normal body.
 */
function errorMessageOf(status: number, body: Buffer): string | undefined {
  let i = 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09))
    i++;
  if (body[i] === 0x7b) {
    try {
      const json = JSON.parse(body.toString('utf8')) as unknown;
      if (json && typeof json === 'object' && !Array.isArray(json) && 'Error Message' in json) {
        return String((json as Record<string, unknown>)['Error Message']);
      }
    } catch {
      // not JSON: a truncated or malformed body, judged by the parser
    }
  }
  if (status >= 300 && body[i] !== 0x5b && body[i] !== 0x7b && body.length > 0)
    return body.toString('utf8', 0, 500).trim();
  return undefined;
}

function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function checkDate(value: string, name: string): string {
  if (!isIsoDate(value))
    throw new UsageError(`${name} date ${JSON.stringify(value)} is not a date (expected YYYY-MM-DD)`);
  return value;
}

function checkExchange(raw: string): string {
  const name = raw.trim().toUpperCase();
  if (!EXCHANGE.test(name))
    throw new UsageError(
      `exchange ${JSON.stringify(raw)} is not an exchange code (expected e.g. NASDAQ or NYSE)`,
    );
  return name;
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  }
  return String(error);
}
