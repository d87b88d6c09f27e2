/**
 * Typed FMP errors: each kind tells the caller what to do next (docs/fmp.md#errors).
 * Messages name the endpoint and symbol, never the URL or the API key.
 */
import { scrubSecrets } from '../core/secrets.ts';

/** What went wrong, and therefore what the caller does next. */
export type FmpErrorKind =
  /** 401/403 (bad key, legacy endpoint): stop the run. */
  | 'auth'
  /** 30-day bandwidth exhausted: stop the run. */
  | 'bandwidth'
  /** 402 symbol gate: skip this symbol, report it. */
  | 'symbol-not-in-plan'
  /** 402 endpoint gate: the endpoint is disabled for the rest of the run. */
  | 'endpoint-not-in-plan'
  /** Transient failures (5xx, resets, timeouts, 429s, outage) outlasted the retries: fail the window, retry next run. */
  | 'retries-exhausted'
  /** 400/404: our request is wrong; fix the code or the input. */
  | 'bad-request'
  /** A body that failed validation on every attempt. */
  | 'response';

export interface FmpErrorContext {
  /** Endpoint path below `/stable/`, e.g. `historical-chart/1min`. */
  endpoint: string;
  /** Normalised symbol, when the request had one. */
  symbol?: string;
  /** HTTP status of the last response, when there was one. */
  status?: number;
  cause?: unknown;
}

export abstract class FmpError extends Error {
  abstract readonly kind: FmpErrorKind;
  readonly endpoint: string;
  readonly symbol: string | undefined;
  readonly status: number | undefined;
  constructor(message: string, context: FmpErrorContext) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.endpoint = context.endpoint;
    this.symbol = context.symbol;
    this.status = context.status;
  }
}

/** 401/403: the key is missing, invalid, or a legacy endpoint was called. Stop the run. */
export class FmpAuthError extends FmpError {
  readonly kind = 'auth';
}

/** `Bandwidth Limit Reach`: the plan's 30-day bandwidth is used up. Stop the run. */
export class FmpBandwidthError extends FmpError {
  readonly kind = 'bandwidth';
}

/** 402 `Premium Query Parameter … 'symbol'`: this symbol is not in the plan. Skip it and report it. */
export class FmpSymbolNotInPlanError extends FmpError {
  readonly kind = 'symbol-not-in-plan';
}

/** 402 `Restricted Endpoint` (or a plan-gated parameter): the endpoint is disabled for the run. */
export class FmpEndpointNotInPlanError extends FmpError {
  readonly kind = 'endpoint-not-in-plan';
}

/** Transient failures outlasted the retry budget. The window failed; the next run retries it. */
export class FmpRetriesExhaustedError extends FmpError {
  readonly kind = 'retries-exhausted';
  readonly attempts: number;
  constructor(message: string, context: FmpErrorContext & { attempts: number }) {
    super(message, context);
    this.attempts = context.attempts;
  }
}

/** 400 (missing or bad parameter) or 404 (unknown path): the request itself is wrong. */
export class FmpBadRequestError extends FmpError {
  readonly kind = 'bad-request';
}

/** A 200 body that failed validation on every attempt (malformed JSON, wrong shape). */
export class FmpResponseError extends FmpError {
  readonly kind = 'response';
}

/** True for errors after which the whole run should stop (auth, bandwidth). */
export function isFatalFmpError(error: unknown): error is FmpAuthError | FmpBandwidthError {
  return error instanceof FmpAuthError || error instanceof FmpBandwidthError;
}

/** Removes the key (and any `apikey=` parameter) from text that came from the network or a library. */
export function scrubApiKey(text: string, apiKey: string): string {
  return scrubSecrets(text).split(apiKey).join('***');
}

/** A library or network error as one line of text (name, code, message); scrub it before it enters a message. */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  }
  return String(error);
}
