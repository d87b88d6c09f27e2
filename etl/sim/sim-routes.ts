/**
 * The `/stable` routes: parameters in, status and body out (no HTTP here). Shapes, order, time zone and error
 * answers follow docs/fmp.md; limits and gates come from the plan profile and the caps.
 */
import fs from 'node:fs';
import { earlyCloses, holidays, sessionAt } from '../core/calendar.ts';
import { INTRADAY_INTERVALS, type IntradayInterval, isIntradayInterval } from '../core/intervals.ts';
import { addDays, type IsoDate, isIsoDate, nyDateOf, nyOffsetHoursAtUtc } from '../core/time.ts';
import {
  FMP_ERROR_BODIES,
  limitAbovePlanBody,
  missingParameterBody,
  parameterNotInPlanBody,
} from './fmp-error-bodies.ts';
import { intradayJson } from './intraday-json.ts';
import { simDividends } from './sim-dividends.ts';
import { type SimEodAdjustment, simEodBars, simSplits } from './sim-eod.ts';
import { simIntradayColumns } from './sim-intraday.ts';
import type { SimPlanProfile } from './sim-plans.ts';
import { simQuote } from './sim-quote.ts';
import { SIM_FIRST_DATE, SIM_LAST_DATE } from './sim-sessions.ts';
import { BASIC_PLAN_SYMBOLS, simCompanyName } from './sim-symbols.ts';

/** A silent range cap of an intraday interval that keeps the newest rows. */
export type SimRangeCap = { calendarDays: number } | { rows: number };

/** Default caps (docs/fmp.md#silent-range-caps): calendar days ending at `to`, or the newest N rows. */
export const DEFAULT_INTRADAY_CAPS: Record<IntradayInterval, SimRangeCap | null> = {
  '1min': { calendarDays: 5 },
  '5min': { calendarDays: 7 },
  '15min': { calendarDays: 14 },
  '30min': { calendarDays: 30 },
  '1hour': { rows: 410 },
  '4hour': { rows: 245 },
};

/** EOD rows per request (FMP documents 5,000). */
export const DEFAULT_EOD_ROW_CAP = 5000;
/** EOD window when `from` is absent, years before `to`. */
export const DEFAULT_EOD_YEARS = 5;
/** Intraday window when `from` is absent and the interval has no cap, calendar days. */
export const DEFAULT_UNCAPPED_INTRADAY_DAYS = 30;

export interface RouteContext {
  seed: number;
  /** Clock reading for this request, UTC ms. */
  nowMs: number;
  plan: SimPlanProfile;
  caps: Record<IntradayInterval, SimRangeCap | null>;
  eodRowCap: number;
  isUnknownSymbol: (symbol: string) => boolean;
}

export interface RouteAnswer {
  status: number;
  /** The body, or how to build it (called only when the server has no cached copy under `cacheKey`). */
  body: string | Buffer | (() => string | Buffer);
  /**
   * Set when the body depends only on the parameters, the data seed and the date (not on the time of day): the
   * server may cache the rendered body under this key.
   */
  cacheKey?: string;
}

const ok = (body: RouteAnswer['body'], cacheKey?: string): RouteAnswer => ({
  status: 200,
  body,
  cacheKey,
});
const EMPTY: RouteAnswer = { status: 200, body: '[]' };

/** Stable endpoints the simulator serves, by path after `/stable/`. */
export const STABLE_ROUTES: readonly string[] = [
  ...INTRADAY_INTERVALS.map((i) => `historical-chart/${i}`),
  'historical-price-eod/full',
  'historical-price-eod/light',
  'historical-price-eod/non-split-adjusted',
  'historical-price-eod/dividend-adjusted',
  'dividends',
  'splits',
  'quote',
  'batch-quote',
  'exchange-market-hours',
  'holidays-by-exchange',
  'stock-list',
];

type Params = URLSearchParams;

/** The earlier of two `YYYY-MM-DD` dates (they compare as strings). */
const earlierDate = (a: IsoDate, b: IsoDate): IsoDate => (a.localeCompare(b) <= 0 ? a : b);

/** A date parameter, or undefined when absent or malformed (FMP ignores what it cannot read). */
function dateParam(params: Params, name: string): IsoDate | undefined {
  const value = params.get(name);
  return value !== null && isIsoDate(value) ? value : undefined;
}

function requireParam(params: Params, name: string): string | RouteAnswer {
  const value = params.get(name);
  if (value === null || value.trim() === '') return { status: 400, body: missingParameterBody(name) };
  return value.trim();
}

function symbolGate(ctx: RouteContext, symbol: string): RouteAnswer | undefined {
  if (ctx.plan.symbols && !ctx.plan.symbols.includes(symbol)) {
    return { status: 402, body: FMP_ERROR_BODIES.symbolNotInPlan };
  }
  return undefined;
}

const RESTRICTED: RouteAnswer = { status: 402, body: FMP_ERROR_BODIES.restrictedEndpoint };

function intraday(interval: IntradayInterval, params: Params, ctx: RouteContext): RouteAnswer {
  if (!ctx.plan.intradayIntervals.includes(interval)) return RESTRICTED;
  const symbol = requireParam(params, 'symbol');
  if (typeof symbol !== 'string') return symbol;
  const extended = params.get('extended') === 'true';
  if (extended && !ctx.plan.extendedHours) return { status: 402, body: parameterNotInPlanBody('extended') };
  const gate = symbolGate(ctx, symbol);
  if (gate) return gate;
  if (ctx.isUnknownSymbol(symbol)) return EMPTY;
  const nonadjusted = params.get('nonadjusted') === 'true';
  const today = nyDateOf(ctx.nowMs);
  const to = dateParam(params, 'to') ?? today;
  // why: default windows and day caps count back from the requested end, or from today when it is later.
  const windowEnd = earlierDate(to, today);
  const cap = ctx.caps[interval];
  let from = dateParam(params, 'from');
  if (from === undefined) {
    from = cap && 'rows' in cap ? SIM_FIRST_DATE : addDays(windowEnd, -DEFAULT_UNCAPPED_INTRADAY_DAYS);
  }
  if (from > to) return EMPTY;
  if (cap && 'calendarDays' in cap) {
    // why: FMP truncates silently and keeps the newest part of the window.
    const earliest = addDays(windowEnd, -(cap.calendarDays - 1));
    if (from < earliest) from = earliest;
    if (from > to) return EMPTY;
  }
  const rowCap = cap && 'rows' in cap ? cap.rows : undefined;
  const asOf = today;
  const build = () => {
    const columns = simIntradayColumns(symbol, interval, from, to, {
      seed: ctx.seed,
      extended,
      nonadjusted,
      asOf,
      nowMs: ctx.nowMs,
      rowCap,
    });
    return intradayJson(columns);
  };
  // why: a window that ends before today is final; the adjusted basis still moves with the date (splits).
  const cacheKey =
    to < today
      ? `chart|${ctx.seed}|${interval}|${symbol}|${from}|${to}|${extended}|${nonadjusted}|${rowCap}|${nonadjusted ? '' : asOf}`
      : undefined;
  return ok(build, cacheKey);
}

function eod(
  kind: 'full' | 'light' | 'non-split-adjusted' | 'dividend-adjusted',
  params: Params,
  ctx: RouteContext,
): RouteAnswer {
  const symbol = requireParam(params, 'symbol');
  if (typeof symbol !== 'string') return symbol;
  const gate = symbolGate(ctx, symbol);
  if (gate) return gate;
  if (ctx.isUnknownSymbol(symbol)) return EMPTY;
  const today = nyDateOf(ctx.nowMs);
  const to = dateParam(params, 'to') ?? today;
  // why: default windows and day caps count back from the requested end, or from today when it is later.
  const windowEnd = earlierDate(to, today);
  const from = dateParam(params, 'from') ?? addDays(windowEnd, -365 * DEFAULT_EOD_YEARS - 1);
  if (from > to) return EMPTY;
  const adjustment: SimEodAdjustment =
    kind === 'non-split-adjusted' ? 'none' : kind === 'dividend-adjusted' ? 'dividend' : 'split';
  const build = () => {
    const rows = simEodBars(symbol, from, to, {
      seed: ctx.seed,
      adjustment,
      asOf: today,
      nowMs: ctx.nowMs,
      rowCap: ctx.eodRowCap,
    }).reverse();
    if (kind === 'full') return JSON.stringify(rows);
    if (kind === 'light') {
      return JSON.stringify(
        rows.map((r) => ({ symbol: r.symbol, date: r.date, price: r.close, volume: r.volume })),
      );
    }
    return JSON.stringify(
      rows.map((r) => ({
        symbol: r.symbol,
        date: r.date,
        adjOpen: r.open,
        adjHigh: r.high,
        adjLow: r.low,
        adjClose: r.close,
        volume: r.volume,
      })),
    );
  };
  return ok(
    build,
    to < today ? `eod|${ctx.seed}|${kind}|${symbol}|${from}|${to}|${today}|${ctx.eodRowCap}` : undefined,
  );
}

function limitParam(params: Params): number | undefined {
  const value = params.get('limit');
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function corporateActions(kind: 'dividends' | 'splits', params: Params, ctx: RouteContext): RouteAnswer {
  const symbol = requireParam(params, 'symbol');
  if (typeof symbol !== 'string') return symbol;
  const gate = symbolGate(ctx, symbol);
  if (gate) return gate;
  if (ctx.isUnknownSymbol(symbol)) return EMPTY;
  const limit = limitParam(params);
  if (limit !== undefined && ctx.plan.maxLimit !== undefined && limit > ctx.plan.maxLimit) {
    return { status: 402, body: limitAbovePlanBody(ctx.plan.maxLimit) };
  }
  const asOf = nyDateOf(ctx.nowMs);
  const rows =
    kind === 'dividends'
      ? simDividends(symbol, { seed: ctx.seed, asOf })
      : simSplits(symbol, { seed: ctx.seed, asOf });
  rows.reverse();
  return ok(JSON.stringify(limit === undefined ? rows : rows.slice(0, limit)));
}

function quote(params: Params, ctx: RouteContext): RouteAnswer {
  const symbol = requireParam(params, 'symbol');
  if (typeof symbol !== 'string') return symbol;
  const gate = symbolGate(ctx, symbol);
  if (gate) return gate;
  if (ctx.isUnknownSymbol(symbol)) return EMPTY;
  const q = simQuote(symbol, ctx.nowMs, ctx.seed);
  return ok(JSON.stringify(q ? [q] : []));
}

function batchQuote(params: Params, ctx: RouteContext): RouteAnswer {
  if (!ctx.plan.batchQuote) return RESTRICTED;
  const list = requireParam(params, 'symbols');
  if (typeof list !== 'string') return list;
  const quotes = [];
  for (const raw of list.split(',')) {
    const symbol = raw.trim();
    if (symbol === '' || ctx.isUnknownSymbol(symbol)) continue;
    const q = simQuote(symbol, ctx.nowMs, ctx.seed);
    if (q) quotes.push(q);
  }
  return ok(JSON.stringify(quotes));
}

const EXCHANGES: Record<string, string> = {
  NASDAQ: 'NASDAQ',
  NYSE: 'New York Stock Exchange',
  AMEX: 'American Stock Exchange',
};

function formatHour(hour: number, minute: number, offsetHours: number): string {
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(h12)}:${pad(minute)} ${hour < 12 ? 'AM' : 'PM'} -${pad(offsetHours)}:00`;
}

function exchangeMarketHours(params: Params, ctx: RouteContext): RouteAnswer {
  const exchange = requireParam(params, 'exchange');
  if (typeof exchange !== 'string') return exchange;
  const name = EXCHANGES[exchange.toUpperCase()];
  if (!name) return EMPTY;
  // why: FMP documents an optional `timestamp` (Unix seconds) asking about another instant.
  const stamp = params.get('timestamp');
  const atMs = stamp !== null && /^\d+$/.test(stamp) ? Number(stamp) * 1000 : ctx.nowMs;
  const offset = nyOffsetHoursAtUtc(atMs);
  return ok(
    JSON.stringify([
      {
        exchange: exchange.toUpperCase(),
        name,
        openingHour: formatHour(9, 30, offset),
        closingHour: formatHour(16, 0, offset),
        timezone: 'America/New_York',
        isMarketOpen: sessionAt(atMs) !== undefined,
      },
    ]),
  );
}

function holidaysByExchange(params: Params): RouteAnswer {
  const exchange = requireParam(params, 'exchange');
  if (typeof exchange !== 'string') return exchange;
  const code = exchange.toUpperCase();
  if (!EXCHANGES[code]) return EMPTY;
  const from = dateParam(params, 'from') ?? SIM_FIRST_DATE;
  const to = dateParam(params, 'to') ?? SIM_LAST_DATE;
  if (from > to) return EMPTY;
  const rows: Array<Record<string, unknown>> = [];
  const firstYear = Math.max(Number(SIM_FIRST_DATE.slice(0, 4)), Number(from.slice(0, 4)));
  const lastYear = Math.min(Number(SIM_LAST_DATE.slice(0, 4)), Number(to.slice(0, 4)));
  for (let year = firstYear; year <= lastYear; year++) {
    for (const h of holidays(year)) {
      rows.push({
        exchange: code,
        date: h.date,
        name: h.name,
        isClosed: true,
        adjOpenTime: null,
        adjCloseTime: null,
      });
    }
    for (const h of earlyCloses(year)) {
      rows.push({
        exchange: code,
        date: h.date,
        name: h.name,
        isClosed: null,
        adjOpenTime: null,
        adjCloseTime: h.closeTime,
      });
    }
  }
  const inRange = rows
    .filter((r) => (r.date as string) >= from && (r.date as string) <= to)
    .sort((a, b) => ((a.date as string) < (b.date as string) ? -1 : 1));
  return ok(JSON.stringify(inRange));
}

let universe: string[] | undefined;

/** The stock list: the universe file plus Basic's sample, in file order. */
export function simStockList(): string[] {
  if (!universe) {
    const text = fs.readFileSync(new URL('./sim-universe.txt', import.meta.url), 'utf8');
    const symbols = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    universe = [...new Set([...symbols, ...BASIC_PLAN_SYMBOLS])];
  }
  return universe;
}

function stockList(ctx: RouteContext): RouteAnswer {
  if (!ctx.plan.stockList) return RESTRICTED;
  const rows = simStockList()
    .filter((s) => !ctx.isUnknownSymbol(s))
    .map((symbol) => ({ symbol, companyName: simCompanyName(symbol) }));
  return ok(JSON.stringify(rows));
}

/** Answers one `/stable/<route>` request whose route is in STABLE_ROUTES. */
export function answerStable(route: string, params: Params, ctx: RouteContext): RouteAnswer {
  if (route.startsWith('historical-chart/')) {
    const interval = route.slice('historical-chart/'.length);
    if (isIntradayInterval(interval)) return intraday(interval, params, ctx);
  }
  switch (route) {
    case 'historical-price-eod/full':
      return eod('full', params, ctx);
    case 'historical-price-eod/light':
      return eod('light', params, ctx);
    case 'historical-price-eod/non-split-adjusted':
      return eod('non-split-adjusted', params, ctx);
    case 'historical-price-eod/dividend-adjusted':
      return eod('dividend-adjusted', params, ctx);
    case 'dividends':
      return corporateActions('dividends', params, ctx);
    case 'splits':
      return corporateActions('splits', params, ctx);
    case 'quote':
      return quote(params, ctx);
    case 'batch-quote':
      return batchQuote(params, ctx);
    case 'exchange-market-hours':
      return exchangeMarketHours(params, ctx);
    case 'holidays-by-exchange':
      return holidaysByExchange(params);
    case 'stock-list':
      return stockList(ctx);
    default:
      return { status: 404, body: FMP_ERROR_BODIES.notFound };
  }
}
