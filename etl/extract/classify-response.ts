/**
 * What one FMP HTTP answer means (docs/fmp.md#errors): a body to parse, a 429 to wait out, a typed error that says what
 * to do next, or a transient failure to retry. A pure function of the answer and the call, tested without HTTP.
 */
import {
  FmpAuthError,
  FmpBadRequestError,
  FmpBandwidthError,
  FmpEndpointNotInPlanError,
  type FmpError,
  FmpSymbolNotInPlanError,
  scrubApiKey,
} from './fmp-errors.ts';

/** The call an answer belongs to, as messages and errors name it. */
export interface CallLabel {
  /** Endpoint path below `/stable/`, e.g. `historical-chart/1min`. */
  endpoint: string;
  /** Normalised symbol, when the request had one. */
  symbol?: string;
  /** Human label for messages: `AAPL historical-chart/1min 2024-03-11..2024-03-12`. */
  label: string;
}

/** An HTTP answer, its body decompressed. */
export interface FmpAnswer {
  status: number;
  body: Buffer;
  /** From the `Retry-After` header (see `retryAfterMs`). */
  retryAfterMs: number | undefined;
}

export type ResponseOutcome =
  /** A normal body: parse and validate it. */
  | { kind: 'body' }
  /** A 429, or a 200 carrying `Limit Reach`: pause the limiter and try again. */
  | { kind: 'rate-limited'; retryAfterMs: number | undefined }
  /**
   * Stop with this error. `disable`: the plan gates this endpoint (or one of its parameters, `<endpoint> <param>`)
   * for the rest of the run.
   */
  | { kind: 'error'; error: FmpError; disable?: { key: string; because: string } }
  /** A 5xx or another unexpected answer: retry. */
  | { kind: 'transient'; reason: string };

/** Decides what an HTTP answer means. `apiKey` is scrubbed from any quoted server text. */
export function classifyResponse(answer: FmpAnswer, ctx: CallLabel, apiKey: string): ResponseOutcome {
  const { status, body } = answer;
  const message = errorMessageOf(status, body);
  const where = { endpoint: ctx.endpoint, symbol: ctx.symbol, status };
  const quoted =
    message === undefined ? '' : `: ${JSON.stringify(scrubApiKey(message, apiKey).slice(0, 200))}`;
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
  if (status === 429 || message?.includes('Limit Reach'))
    return { kind: 'rate-limited', retryAfterMs: answer.retryAfterMs };
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
    return {
      kind: 'error',
      error: new FmpEndpointNotInPlanError(
        `${ctx.label}: ${disabledKey} is not in this FMP plan (${because}); it is disabled for this run — set FMP_PLAN to the plan you have, or upgrade`,
        where,
      ),
      disable: { key: disabledKey, because },
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

/**
 * FMP's error text: the `Error Message` of an object body (any status), or the plain-text body of a non-2xx answer.
 * undefined for a normal body.
 */
export function errorMessageOf(status: number, body: Buffer): string | undefined {
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

/** A `Retry-After` header (seconds or an HTTP date) as a wait from `nowMs`, ms; undefined without a usable one. */
export function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
