/**
 * One logical FMP call from start to answer: the disabled-endpoint check, the circuit breaker, the key's limiter,
 * attempts through the transport, the classification of each answer, and retries with backoff and jitter bounded
 * by attempts and total time. Throws the typed FmpErrors of `fmp-errors.ts`.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { BreakerOpenTooLongError, type CircuitBreaker } from './circuit-breaker.ts';
import { classifyResponse } from './classify-response.ts';
import type { FmpClientCounters } from './fmp-client-stats.ts';
import type { CallContext, FmpCall } from './fmp-endpoints.ts';
import {
  errorText,
  FmpEndpointNotInPlanError,
  FmpResponseError,
  FmpRetriesExhaustedError,
  scrubApiKey,
} from './fmp-errors.ts';
import type { Attempt, FmpTransport } from './fmp-transport.ts';
import type { RateLimiter } from './rate-limiter.ts';

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

export function retryDefaults(retry: FmpRetryOptions | undefined): Required<FmpRetryOptions> {
  return {
    maxAttempts: retry?.maxAttempts ?? 6,
    baseDelayMs: retry?.baseDelayMs ?? 500,
    maxDelayMs: retry?.maxDelayMs ?? 30_000,
    maxElapsedMs: retry?.maxElapsedMs ?? 600_000,
    max429: retry?.max429 ?? 30,
  };
}

/** What a call runs on: the client's parts, shared by all its calls. */
export interface RetryLoopParts {
  transport: FmpTransport;
  limiter: RateLimiter;
  breaker: CircuitBreaker;
  clock: Clock;
  log: Logger;
  random: () => number;
  retry: Required<FmpRetryOptions>;
  counters: FmpClientCounters;
  /** Endpoints (or `<endpoint> <param>`) a 402 disabled for this run, with the answer that did it. */
  disabled: Map<string, string>;
  apiKey: string;
}

/** A transient reason to try again. */
interface Transient {
  reason: string;
  validation: boolean;
}

/** Runs one call to its parsed answer or a typed error. */
export async function callWithRetries<T>(parts: RetryLoopParts, call: FmpCall<T>): Promise<T> {
  const { transport, limiter, breaker, clock, log, retry, counters } = parts;
  const { ctx, params, parse } = call;
  throwIfDisabled(parts.disabled, ctx, params);
  const path = transport.pathOf(ctx.endpoint, params);
  const started = clock.now();
  let transientAttempts = 0;
  let rateLimited = 0;
  let sent = 0;
  let lastStatus: number | undefined;
  let last: Transient | undefined;
  for (;;) {
    try {
      await breaker.waitUntilClosed(ctx.signal);
    } catch (error) {
      if (error instanceof BreakerOpenTooLongError) throw exhausted(ctx, sent, lastStatus, error.message);
      throw error;
    }
    const release = await limiter.acquire(ctx.signal);
    if (sent > 0) counters.retries += 1;
    sent += 1;
    let attempt: Attempt;
    try {
      attempt = await transport.send(path, ctx.signal);
    } finally {
      release();
    }
    if (attempt.kind === 'network') {
      counters.countStatus('network');
      if (attempt.answered) breaker.noteAnswer();
      else breaker.noteNetworkFailure();
      last = { reason: attempt.reason, validation: false };
    } else {
      breaker.noteAnswer();
      counters.countStatus(String(attempt.status));
      lastStatus = attempt.status;
      const outcome = classifyResponse(attempt, ctx, parts.apiKey);
      if (outcome.kind === 'error' && outcome.disable) {
        parts.disabled.set(outcome.disable.key, outcome.disable.because);
        log.warn(
          { endpoint: outcome.disable.key, status: attempt.status },
          'fmp endpoint not in plan: disabled for this run',
        );
      }
      if (outcome.kind === 'rate-limited') {
        counters.http429 += 1;
        rateLimited += 1;
        const pauseMs = limiter.noteRateLimited(outcome.retryAfterMs);
        if (rateLimited > retry.max429 || clock.now() + pauseMs - started > retry.maxElapsedMs) {
          throw exhausted(ctx, sent, lastStatus, `${rateLimited} × 429 Limit Reach`);
        }
        continue;
      }
      limiter.noteAccepted();
      if (outcome.kind === 'error') throw outcome.error;
      if (outcome.kind === 'body') {
        const t0 = performance.now();
        try {
          const value = parse(attempt.body);
          counters.parseMs += performance.now() - t0;
          return value;
        } catch (error) {
          counters.parseMs += performance.now() - t0;
          last = { reason: `invalid body: ${scrubApiKey(errorText(error), parts.apiKey)}`, validation: true };
        }
      } else {
        last = { reason: outcome.reason, validation: false };
      }
    }
    transientAttempts += 1;
    await backOffOrGiveUp(parts, ctx, { started, transientAttempts, sent, lastStatus, last });
  }
}

/** Waits before the next attempt, or throws when the attempts or the call's time are used up. */
async function backOffOrGiveUp(
  parts: RetryLoopParts,
  ctx: CallContext,
  call: {
    started: number;
    transientAttempts: number;
    sent: number;
    lastStatus: number | undefined;
    last: Transient;
  },
): Promise<void> {
  const { clock, retry } = parts;
  const { transientAttempts, lastStatus, last } = call;
  const delayMs = retryDelay(parts, transientAttempts);
  if (transientAttempts >= retry.maxAttempts || clock.now() + delayMs - call.started > retry.maxElapsedMs) {
    if (last.validation) {
      throw new FmpResponseError(
        `${ctx.label}: FMP sent a body that failed validation on all ${transientAttempts} attempts (${last.reason})`,
        { endpoint: ctx.endpoint, symbol: ctx.symbol, status: lastStatus },
      );
    }
    throw exhausted(ctx, call.sent, lastStatus, last.reason);
  }
  parts.log.debug(
    { endpoint: ctx.endpoint, symbol: ctx.symbol, attempt: transientAttempts, delayMs, reason: last.reason },
    'fmp request failed, retrying',
  );
  await clock.sleep(delayMs, ctx.signal);
}

/** A call to an endpoint (or with a parameter) a 402 disabled fails fast, without a request. */
function throwIfDisabled(
  disabled: Map<string, string>,
  ctx: CallContext,
  params: Record<string, string>,
): void {
  const disabledKey = [ctx.endpoint, ...Object.keys(params).map((p) => `${ctx.endpoint} ${p}`)].find((k) =>
    disabled.has(k),
  );
  if (disabledKey !== undefined) {
    throw new FmpEndpointNotInPlanError(
      `${ctx.label}: ${disabledKey} is disabled for this run (${disabled.get(disabledKey)})`,
      { endpoint: ctx.endpoint, symbol: ctx.symbol, status: 402 },
    );
  }
}

function retryDelay(parts: RetryLoopParts, attempt: number): number {
  const nominal = Math.min(parts.retry.maxDelayMs, parts.retry.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(nominal / 2 + (parts.random() * nominal) / 2);
}

function exhausted(
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
