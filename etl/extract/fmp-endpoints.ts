/**
 * The `/stable` endpoints the client calls: for each, the checked and normalised query parameters, the label its
 * messages use, and the parser that validates its body. No I/O: `fmp-retry-loop.ts` sends what these build.
 * why: a call's result type is its schema's output (`fmp-schemas.ts` types each one), not written again here.
 */
import type { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { isIntradayInterval } from '../core/intervals.ts';
import { normalizeSymbol } from '../core/symbols.ts';
import { type IsoDate, isIsoDate } from '../core/time.ts';
import type { CallLabel } from './classify-response.ts';
import { errorText } from './fmp-errors.ts';
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
import type { EodRequest, FmpIntradayColumns, FmpRequestOptions, IntradayRequest } from './fmp-types.ts';
import { parseIntradayBody } from './intraday-parser.ts';

export interface CallContext extends CallLabel {
  signal: AbortSignal | undefined;
}

/** One logical call: what to ask (endpoint, query parameters without the key) and how to read the answer. */
export interface FmpCall<T> {
  ctx: CallContext;
  params: Record<string, string>;
  /** Validates a body; throws when it is not what the endpoint sends. */
  parse: (body: Buffer) => T;
}

/** Parsing failed: the body is not what the schema expects. */
class BodyValidationError extends Error {}

const EXCHANGE = /^[A-Z]{2,12}$/;

export function intradayCall(req: IntradayRequest): FmpCall<FmpIntradayColumns> {
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
  return {
    ctx: { endpoint, symbol, label: `${symbol} ${endpoint} ${req.from}..${req.to}`, signal: req.signal },
    params,
    parse: (body) => parseIntradayBody(body),
  };
}

export function eodCall(req: EodRequest) {
  const symbol = normalizeSymbol(req.symbol);
  const params: Record<string, string> = { symbol };
  if (req.from !== undefined) params.from = checkDate(req.from, 'from');
  if (req.to !== undefined) params.to = checkDate(req.to, 'to');
  const raw = req.adjustment === 'non-split-adjusted';
  const endpoint = raw ? 'historical-price-eod/non-split-adjusted' : 'historical-price-eod/full';
  return jsonCall(
    {
      endpoint,
      symbol,
      label: `${symbol} ${endpoint} ${req.from ?? ''}..${req.to ?? ''}`,
      signal: req.signal,
    },
    params,
    raw ? eodNonSplitAdjustedBodySchema : eodFullBodySchema,
  );
}

export function splitsCall(symbol: string, options: FmpRequestOptions) {
  return symbolCall('splits', symbol, options, splitsBodySchema);
}

export function dividendsCall(symbol: string, options: FmpRequestOptions) {
  return symbolCall('dividends', symbol, options, dividendsBodySchema);
}

export function quoteCall(symbol: string, options: FmpRequestOptions) {
  return symbolCall('quote', symbol, options, quoteBodySchema);
}

/** One request for many symbols (`batch-quote?symbols=A,B`); the caller skips it for no symbols. */
export function batchQuoteCall(symbols: string[], options: FmpRequestOptions) {
  const list = symbols.map(normalizeSymbol).join(',');
  return jsonCall(
    { endpoint: 'batch-quote', label: `batch-quote (${symbols.length} symbols)`, signal: options.signal },
    { symbols: list },
    quoteBodySchema,
  );
}

export function marketHoursCall(exchange: string, options: FmpRequestOptions) {
  const name = checkExchange(exchange);
  return jsonCall(
    { endpoint: 'exchange-market-hours', label: `exchange-market-hours ${name}`, signal: options.signal },
    { exchange: name },
    marketHoursBodySchema,
  );
}

export function holidaysCall(
  exchange: string,
  range: { from?: IsoDate; to?: IsoDate },
  options: FmpRequestOptions,
) {
  const name = checkExchange(exchange);
  const params: Record<string, string> = { exchange: name };
  if (range.from !== undefined) params.from = checkDate(range.from, 'from');
  if (range.to !== undefined) params.to = checkDate(range.to, 'to');
  return jsonCall(
    { endpoint: 'holidays-by-exchange', label: `holidays-by-exchange ${name}`, signal: options.signal },
    params,
    holidaysBodySchema,
  );
}

export function stockListCall(options: FmpRequestOptions) {
  return jsonCall(
    { endpoint: 'stock-list', label: 'stock-list', signal: options.signal },
    {},
    stockListBodySchema,
  );
}

function symbolCall<S extends z.ZodType>(
  endpoint: string,
  rawSymbol: string,
  options: FmpRequestOptions,
  schema: S,
): FmpCall<z.output<S>> {
  const symbol = normalizeSymbol(rawSymbol);
  return jsonCall(
    { endpoint, symbol, label: `${symbol} ${endpoint}`, signal: options.signal },
    { symbol },
    schema,
  );
}

/** A call whose JSON body `schema` validates; the call's result is the schema's output. */
function jsonCall<S extends z.ZodType>(
  ctx: CallContext,
  params: Record<string, string>,
  schema: S,
): FmpCall<z.output<S>> {
  return { ctx, params, parse: (body) => parseJson(body, schema) };
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
