/**
 * An FMP-compatible HTTP server (docs/fmp.md) on node:http: the `/stable` routes with FMP's shapes, order,
 * New York labels and error answers; plan gates and call limits; silent range caps; seeded fault injection; and a
 * non-FMP stats endpoint (`GET /__sim/stats`). Data is deterministic from the seed (see sim-intraday.ts, sim-eod.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../core/clock.ts';
import type { FmpPlan } from '../core/config.ts';
import type { IntradayInterval } from '../core/intervals.ts';
import { CallLimiter } from './call-limiter.ts';
import { FMP_ERROR_BODIES } from './fmp-error-bodies.ts';
import { gzipOf, type RenderedBody, ResponseCache, renderBody } from './response-cache.ts';
import { answerLegacy } from './sim-legacy-routes.ts';
import { planProfile, type SimPlanProfile } from './sim-plans.ts';
import { uniformAt } from './sim-random.ts';
import {
  answerStable,
  DEFAULT_EOD_ROW_CAP,
  DEFAULT_INTRADAY_CAPS,
  type RouteAnswer,
  type RouteContext,
  type SimRangeCap,
  STABLE_ROUTES,
} from './sim-routes.ts';
import { BASIC_PLAN_SYMBOLS, isBuiltInUnknownSymbol } from './sim-symbols.ts';

export {
  type SimDividendRow,
  type SimEodAdjustment,
  type SimEodBar,
  type SimEodOptions,
  type SimQuote,
  type SimSplitRow,
  simDividends,
  simEodBars,
  simQuote,
  simSplits,
} from './sim-eod.ts';
export {
  type SimBarColumns,
  type SimIntradayBar,
  type SimIntradayOptions,
  simIntradayBars,
  simIntradayColumns,
} from './sim-intraday.ts';
export type { SimPlanProfile } from './sim-plans.ts';
export type { SimRangeCap } from './sim-routes.ts';
export { DEFAULT_EOD_ROW_CAP, DEFAULT_INTRADAY_CAPS, simStockList } from './sim-routes.ts';
export { simSessions } from './sim-sessions.ts';

import { simSessions } from './sim-sessions.ts';

export { BASIC_PLAN_SYMBOLS, isBuiltInUnknownSymbol, symbolProfile } from './sim-symbols.ts';

/** Fault injection. Random faults are drawn per request from a seeded stream: the n-th request always gets the same. */
export interface SimFaults {
  /** Added before every FMP answer (waited with the clock's sleep), ms. Default 0. */
  latencyMs: number;
  /** Extra latency drawn uniformly from [0, latencyJitterMs), ms. Default 0. */
  latencyJitterMs: number;
  /** Share (0–1) of calls answered 503 (nginx HTML). Default 0. */
  serverErrorShare: number;
  /** Share of calls whose connection is reset before any answer. Default 0. */
  resetShare: number;
  /** Share of 200 answers cut off mid-body (the connection closes before the last chunk). Default 0. */
  truncateShare: number;
  /** Share of 200 answers whose body is broken JSON (complete HTTP message). Default 0. */
  malformedShare: number;
  /** Share of calls answered 200 with `{"Error Message": "Limit Reach ..."}`. Default 0. */
  limitReach200Share: number;
  /** Every FMP call answers 429 `Bandwidth Limit Reach`. Default false. */
  bandwidthExhausted: boolean;
  /** Once this many response bytes were sent, behave as bandwidthExhausted. Default null (no limit). */
  bandwidthLimitBytes: number | null;
  /** More than this many calls within one second (by the clock) answer 503. Default null (no burst limit). */
  burstPerSecond: number | null;
  /** Seed of the fault stream. Default: the data seed. */
  seed: number | undefined;
}

export const NO_FAULTS: SimFaults = {
  latencyMs: 0,
  latencyJitterMs: 0,
  serverErrorShare: 0,
  resetShare: 0,
  truncateShare: 0,
  malformedShare: 0,
  limitReach200Share: 0,
  bandwidthExhausted: false,
  bandwidthLimitBytes: null,
  burstPerSecond: null,
  seed: undefined,
};

export type SimFaultKind =
  | 'reset'
  | 'serverError'
  | 'truncate'
  | 'malformed'
  | 'limitReach200'
  | 'bandwidth'
  | 'burst';

export interface SimulatorOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** The one valid key; any other or a missing one answers 401. Default 'demo'. */
  apiKey?: string;
  /** Plan whose gates apply (docs/fmp.md#plans-and-rate-limits). Default 'ultimate'. */
  plan?: FmpPlan;
  /** Overrides of the plan's gates and limits. */
  planProfile?: Partial<SimPlanProfile>;
  /** Calls per rolling minute before 429 `Limit Reach`; null = none. Default null (benchmarks). */
  rateLimitPerMin?: number | null;
  /** Calls per New York day before 429 `Limit Reach`; null = none. Default null. */
  rateLimitPerDay?: number | null;
  /** Enforce the plan's own per-minute / per-day limits (explicit limits above win). Default false. */
  enforcePlanLimits?: boolean;
  /** Data seed. Default 1. */
  seed?: number;
  /** Time source: only bars that ended by clock.now() exist; limits count by it. Default the system clock. */
  clock?: Clock;
  faults?: Partial<SimFaults>;
  /** Silent intraday range caps that keep the newest rows; null disables one. Defaults: DEFAULT_INTRADAY_CAPS. */
  caps?: Partial<Record<IntradayInterval, SimRangeCap | null>>;
  /** EOD rows per request. Default 5,000. */
  eodRowCap?: number;
  /** Symbols that answer `[]`, besides the built-in rule (prefix `ZZZ`, or not in FMP's spelling). */
  unknownSymbols?: string[];
  /**
   * Treat the key as a pre-2025-09 "legacy" key: serve `/api/v3/historical-chart/{interval}/{SYMBOL}`,
   * `/api/v3/historical-price-full/{SYMBOL}` and `/api/v3/quote/{A,B}` in v3 shapes instead of 403. Default false.
   */
  legacyKey?: boolean;
  /** Bytes of rendered bodies kept for repeated requests. Default 64 MiB. */
  responseCacheBytes?: number;
}

/** Counters since start or the last reset. */
export interface SimStats {
  /** FMP requests received (the `/__sim` endpoints excluded). */
  requests: number;
  /** Answers by route (`historical-chart/1min`, `quote`, `legacy`, `unknown` …) and status (`200`, `429`, `reset`). */
  byRoute: Record<string, Record<string, number>>;
  byStatus: Record<string, number>;
  /** Body bytes written (compressed when gzip was sent). */
  bytesSent: number;
  /** 429 answers (call limits and bandwidth). */
  rateLimited: number;
  faults: Record<SimFaultKind, number>;
  cache: { hits: number; misses: number };
}

export interface Simulator {
  /** Origin, e.g. `http://127.0.0.1:54321`; clients append `/stable/...`. */
  url: string;
  apiKey: string;
  stats(): SimStats;
  resetStats(): void;
  /**
   * Changes options at runtime (faults, caps and planProfile merge into the current ones). Host and port cannot
   * change; call counters survive unless a limit, the plan or the clock changes; cached bodies always survive.
   */
  configure(patch: Partial<SimulatorOptions>): void;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function emptyStats(): SimStats {
  return {
    requests: 0,
    byRoute: {},
    byStatus: {},
    bytesSent: 0,
    rateLimited: 0,
    faults: { reset: 0, serverError: 0, truncate: 0, malformed: 0, limitReach200: 0, bandwidth: 0, burst: 0 },
    cache: { hits: 0, misses: 0 },
  };
}

const STABLE_ROUTE_SET = new Set(STABLE_ROUTES);

/** Route name for stats, and how to answer: a stable route, a legacy path, or unknown (404). */
function classify(path: string): { kind: 'stable' | 'legacy' | 'unknown'; name: string } {
  if (path.startsWith('/stable/')) {
    const name = path.slice('/stable/'.length);
    if (STABLE_ROUTE_SET.has(name)) return { kind: 'stable', name };
    return { kind: 'unknown', name: 'unknown' };
  }
  if (
    path.startsWith('/api/v3/') ||
    path.startsWith('/api/v4/') ||
    path === '/api/v3' ||
    path === '/api/v4'
  ) {
    return { kind: 'legacy', name: 'legacy' };
  }
  return { kind: 'unknown', name: 'unknown' };
}

interface State {
  apiKey: string;
  seed: number;
  clock: Clock;
  plan: SimPlanProfile;
  faults: SimFaults;
  caps: Record<IntradayInterval, SimRangeCap | null>;
  eodRowCap: number;
  unknownSymbols: Set<string>;
  limiter: CallLimiter;
  burstLimiter: CallLimiter | undefined;
  options: SimulatorOptions;
}

function buildState(options: SimulatorOptions): State {
  const planName = options.plan ?? 'ultimate';
  const plan = { ...planProfile(planName, BASIC_PLAN_SYMBOLS), ...options.planProfile };
  const enforce = options.enforcePlanLimits ?? false;
  const perMinute = options.rateLimitPerMin ?? (enforce ? plan.perMinute : undefined);
  const perDay = options.rateLimitPerDay ?? (enforce ? plan.perDay : undefined);
  const faults = { ...NO_FAULTS, ...options.faults };
  return {
    apiKey: options.apiKey ?? 'demo',
    seed: options.seed ?? 1,
    clock: options.clock ?? systemClock,
    plan,
    faults,
    caps: { ...DEFAULT_INTRADAY_CAPS, ...options.caps },
    eodRowCap: options.eodRowCap ?? DEFAULT_EOD_ROW_CAP,
    unknownSymbols: new Set(options.unknownSymbols ?? []),
    limiter: new CallLimiter(perMinute, perDay),
    burstLimiter:
      faults.burstPerSecond === null ? undefined : new CallLimiter(faults.burstPerSecond, undefined, 1000),
    options,
  };
}

/** Starts the simulator and resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  let state = buildState(options);
  let stats = emptyStats();
  let faultCounter = 0;
  const cache = new ResponseCache(options.responseCacheBytes ?? 64 * 1024 * 1024);
  const closing = new AbortController();

  const count = (route: string, status: string, bytes: number) => {
    stats.byRoute[route] ??= {};
    const byRoute = stats.byRoute[route];
    byRoute[status] = (byRoute[status] ?? 0) + 1;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    stats.bytesSent += bytes;
  };

  const send = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: string,
    status: number,
    body: string | RenderedBody,
    contentType = JSON_TYPE,
  ) => {
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': contentType,
      Vary: 'Accept-Encoding',
      'Access-Control-Allow-Origin': '*',
      'X-Frame-Options': 'SAMEORIGIN',
    };
    let payload: Buffer;
    if (typeof body === 'string') {
      payload = Buffer.from(body, 'utf8');
    } else {
      headers.ETag = body.etag;
      const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      if (gzip) headers['Content-Encoding'] = 'gzip';
      payload = gzip ? gzipOf(body) : body.body;
    }
    count(route, String(status), payload.length);
    // why: no Content-Length, so Node sends `Transfer-Encoding: chunked` as FMP does.
    res.writeHead(status, headers);
    res.end(payload);
  };

  /** Picks this request's random fault, if any (one per request). */
  const drawFault = (): SimFaultKind | undefined => {
    const f = state.faults;
    const total =
      f.resetShare + f.serverErrorShare + f.truncateShare + f.malformedShare + f.limitReach200Share;
    if (total <= 0) return undefined;
    let u = uniformAt(f.seed ?? state.seed, 0xfa17, faultCounter++);
    for (const [kind, share] of [
      ['reset', f.resetShare],
      ['serverError', f.serverErrorShare],
      ['truncate', f.truncateShare],
      ['malformed', f.malformedShare],
      ['limitReach200', f.limitReach200Share],
    ] as const) {
      if (u < share) return kind;
      u -= share;
    }
    return undefined;
  };

  const bodyOf = (answer: RouteAnswer): string | Buffer =>
    typeof answer.body === 'function' ? answer.body() : answer.body;

  const rendered = (answer: RouteAnswer): RenderedBody => {
    if (answer.cacheKey === undefined) return renderBody(bodyOf(answer));
    let entry = cache.get(answer.cacheKey);
    if (!entry) {
      entry = renderBody(bodyOf(answer), answer.cacheKey);
      cache.set(answer.cacheKey, entry);
    }
    return entry;
  };

  const answerFmp = (req: http.IncomingMessage, res: http.ServerResponse, path: string, query: string) => {
    const route = classify(path);
    stats.requests++;
    if (route.kind === 'unknown') return send(req, res, route.name, 404, FMP_ERROR_BODIES.notFound);
    const params = new URLSearchParams(query);
    if (params.get('apikey') !== state.apiKey) {
      return send(req, res, route.name, 401, FMP_ERROR_BODIES.invalidApiKey);
    }
    if (route.kind === 'legacy' && !state.options.legacyKey) {
      return send(req, res, route.name, 403, FMP_ERROR_BODIES.legacyEndpoint);
    }
    const nowMs = state.clock.now();
    const f = state.faults;
    if (
      f.bandwidthExhausted ||
      (f.bandwidthLimitBytes !== null && stats.bytesSent >= f.bandwidthLimitBytes)
    ) {
      stats.faults.bandwidth++;
      stats.rateLimited++;
      return send(req, res, route.name, 429, FMP_ERROR_BODIES.bandwidthLimitReach);
    }
    if (!state.limiter.tryAcquire(nowMs)) {
      stats.rateLimited++;
      return send(req, res, route.name, 429, FMP_ERROR_BODIES.limitReach);
    }
    if (state.burstLimiter && !state.burstLimiter.tryAcquire(nowMs)) {
      stats.faults.burst++;
      return send(req, res, route.name, 503, FMP_ERROR_BODIES.serviceUnavailable, 'text/html');
    }
    const fault = drawFault();
    if (fault) stats.faults[fault]++;
    if (fault === 'reset') {
      count(route.name, 'reset', 0);
      req.socket.destroy();
      return;
    }
    if (fault === 'serverError') {
      return send(req, res, route.name, 503, FMP_ERROR_BODIES.serviceUnavailable, 'text/html');
    }
    if (fault === 'limitReach200') return send(req, res, route.name, 200, FMP_ERROR_BODIES.limitReach);
    const context: RouteContext = {
      seed: state.seed,
      nowMs,
      plan: state.plan,
      caps: state.caps,
      eodRowCap: state.eodRowCap,
      isUnknownSymbol: (s) => state.unknownSymbols.has(s) || isBuiltInUnknownSymbol(s),
    };
    const answer =
      route.kind === 'legacy'
        ? answerLegacy(path, params, context)
        : answerStable(route.name, params, context);
    if (answer.status !== 200) return send(req, res, route.name, answer.status, String(bodyOf(answer)));
    if (fault === 'malformed') {
      // why: a complete HTTP message whose JSON breaks off, as a proxy cutting a body short would leave it.
      const text = String(bodyOf(answer));
      return send(
        req,
        res,
        route.name,
        200,
        text.length > 4 ? text.slice(0, Math.floor(text.length / 2)) : '[{"date":',
      );
    }
    const body = rendered(answer);
    if (fault === 'truncate') {
      const payload = body.body.subarray(0, Math.max(1, Math.floor(body.body.length / 2)));
      count(route.name, 'truncated', payload.length);
      res.writeHead(200, { 'Content-Type': JSON_TYPE, ETag: body.etag, Vary: 'Accept-Encoding' });
      res.write(payload, () => res.destroy());
      return;
    }
    send(req, res, route.name, 200, body);
  };

  const answerControl = (req: http.IncomingMessage, res: http.ServerResponse, path: string) => {
    if (path === '/__sim/stats' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': JSON_TYPE });
      res.end(JSON.stringify(snapshot()));
      return;
    }
    if (path === '/__sim/stats/reset' && req.method === 'POST') {
      resetStats();
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(404, { 'Content-Type': JSON_TYPE });
    res.end('[]');
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (path.startsWith('/__sim/')) return answerControl(req, res, path);
    const f = state.faults;
    const delay =
      f.latencyMs +
      (f.latencyJitterMs > 0 ? uniformAt(state.seed, 0x1a7e, stats.requests) * f.latencyJitterMs : 0);
    if (delay <= 0) return answerFmp(req, res, path, query);
    // why: latency goes through the clock so tests can observe it without waiting; close() aborts pending waits.
    state.clock.sleep(delay, closing.signal).then(
      () => {
        if (!res.destroyed) answerFmp(req, res, path, query);
      },
      () => res.destroy(),
    );
  });
  server.keepAliveTimeout = 30_000;

  const snapshot = (): SimStats => ({
    ...structuredClone(stats),
    cache: { hits: cache.hits, misses: cache.misses },
  });
  const resetStats = () => {
    stats = emptyStats();
    cache.hits = 0;
    cache.misses = 0;
  };

  // why: build the session index before the first request instead of inside it.
  simSessions();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    get apiKey() {
      return state.apiKey;
    },
    stats: snapshot,
    resetStats,
    configure(patch) {
      const merged: SimulatorOptions = {
        ...state.options,
        ...patch,
        faults: { ...state.options.faults, ...patch.faults },
        caps: { ...state.options.caps, ...patch.caps },
        planProfile: { ...state.options.planProfile, ...patch.planProfile },
      };
      const previous = state;
      state = buildState(merged);
      // why: changing faults or caps mid-test must not forgive calls already charged.
      const limitsChanged = (
        ['plan', 'planProfile', 'rateLimitPerMin', 'rateLimitPerDay', 'enforcePlanLimits', 'clock'] as const
      ).some((k) => k in patch);
      if (!limitsChanged) state.limiter = previous.limiter;
      faultCounter = 0;
      // why: no cache flush: a cache key names everything its body depends on (seed, window after caps, row cap,
      // basis date), so warmed bodies survive changes of faults, limits and plans.
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
