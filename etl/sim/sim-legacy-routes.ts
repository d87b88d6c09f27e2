/**
 * The legacy v3 API for a "legacy key" (SimulatorOptions.legacyKey): symbol in the path, v3 shapes
 * (docs/fmp.md#legacy-v3). Only the three paths a grandfathered client would use; any other legacy path
 * answers 404 `[]`.
 */
import { nyDateOf } from '../core/time.ts';
import { FMP_ERROR_BODIES } from './fmp-error-bodies.ts';
import { simEodBars } from './sim-eod.ts';
import { answerStable, type RouteAnswer, type RouteContext } from './sim-routes.ts';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** v3's `label`: `January 10, 23`. */
function v3Label(date: string): string {
  return `${MONTHS[Number(date.slice(5, 7)) - 1]} ${Number(date.slice(8, 10))}, ${date.slice(2, 4)}`;
}

const NOT_FOUND: RouteAnswer = { status: 404, body: FMP_ERROR_BODIES.notFound };

function historicalPriceFull(symbol: string, params: URLSearchParams, ctx: RouteContext): RouteAnswer {
  const stable = answerStable(
    'historical-price-eod/full',
    new URLSearchParams({ ...Object.fromEntries(params), symbol }),
    ctx,
  );
  if (stable.status !== 200) return stable;
  const text = String(typeof stable.body === 'function' ? stable.body() : stable.body);
  const rows = JSON.parse(text) as Array<{ symbol: string; date: string; changePercent: number }>;
  if (rows.length === 0) return { status: 200, body: '{}' };
  const asOf = nyDateOf(ctx.nowMs);
  const first = rows.at(-1)!.date;
  const last = rows[0].date;
  const opts = { seed: ctx.seed, asOf, nowMs: ctx.nowMs };
  const adjusted = new Map(
    simEodBars(symbol, first, last, { ...opts, adjustment: 'dividend' }).map((r) => [r.date, r.close]),
  );
  const raw = new Map(
    simEodBars(symbol, first, last, { ...opts, adjustment: 'none' }).map((r) => [r.date, r.volume]),
  );
  const historical = rows.map((r) => {
    const { symbol: _symbol, date, changePercent, ...rest } = r;
    return {
      date,
      ...rest,
      adjClose: adjusted.get(date),
      unadjustedVolume: raw.get(date),
      changePercent,
      label: v3Label(date),
      changeOverTime: Math.round(changePercent * 1000) / 100000,
    };
  });
  return { status: 200, body: JSON.stringify({ symbol, historical }) };
}

function quotes(list: string, ctx: RouteContext): RouteAnswer {
  const stable = answerStable('batch-quote', new URLSearchParams({ symbols: list }), {
    ...ctx,
    plan: { ...ctx.plan, batchQuote: true },
  });
  if (stable.status !== 200) return stable;
  const text = String(typeof stable.body === 'function' ? stable.body() : stable.body);
  const rows = (JSON.parse(text) as Array<Record<string, unknown>>).map(({ changePercentage, ...rest }) => ({
    ...rest,
    changesPercentage: changePercentage,
  }));
  return { status: 200, body: JSON.stringify(rows) };
}

/** Answers a legacy path (`/api/v3/...`, `/api/v4/...`) for a legacy key. */
export function answerLegacy(path: string, params: URLSearchParams, ctx: RouteContext): RouteAnswer {
  if (!path.startsWith('/api/v3/')) return NOT_FOUND;
  const parts = path.slice('/api/v3/'.length).split('/').map(decodeURIComponent);
  if (parts.length === 3 && parts[0] === 'historical-chart') {
    const stable = new URLSearchParams({ ...Object.fromEntries(params), symbol: parts[2] });
    const answer = answerStable(`historical-chart/${parts[1]}`, stable, ctx);
    return answer.status === 404 ? NOT_FOUND : answer;
  }
  if (parts.length === 2 && parts[0] === 'historical-price-full')
    return historicalPriceFull(parts[1], params, ctx);
  if (parts.length === 2 && parts[0] === 'quote') return quotes(parts[1], ctx);
  return NOT_FOUND;
}
