/**
 * Answers one HTTP request to the simulator and counts it: routing (`/stable`, legacy `/api/v3`, unknown), the key,
 * bandwidth, call limits and burst gates, the seeded fault of the request, the route's answer (rendered bodies
 * cached), gzip; and the non-FMP control endpoints `GET /__sim/stats`, `POST /__sim/stats/reset`.
 */
import type http from 'node:http';
import { FMP_ERROR_BODIES } from './fmp-error-bodies.ts';
import { gzipOf, type RenderedBody, type ResponseCache, renderBody } from './response-cache.ts';
import { answerLegacy } from './sim-legacy-routes.ts';
import { uniformAt } from './sim-random.ts';
import { answerStable, type RouteAnswer, type RouteContext, STABLE_ROUTES } from './sim-routes.ts';
import { isBuiltInUnknownSymbol } from './sim-symbols.ts';
import type { SimFaultKind, SimState } from './simulator-options.ts';

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

interface Route {
  kind: 'stable' | 'legacy' | 'unknown';
  /** Route name for stats. */
  name: string;
}

/** Route name for stats, and how to answer: a stable route, a legacy path, or unknown (404). */
function routeOf(path: string): Route {
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

/** An answer that stops a request before its route runs. */
interface Refusal {
  status: number;
  body: string;
  contentType?: string;
}

const bodyOf = (answer: RouteAnswer): string | Buffer =>
  typeof answer.body === 'function' ? answer.body() : answer.body;

export class SimRequestHandler {
  private stats = emptyStats();
  private faultCounter = 0;

  /** `state` is read on every request: `configure` replaces it. */
  constructor(
    private readonly state: () => SimState,
    private readonly cache: ResponseCache,
  ) {}

  /** FMP requests received since the last reset (the latency jitter's stream index). */
  get requests(): number {
    return this.stats.requests;
  }

  snapshot(): SimStats {
    return { ...structuredClone(this.stats), cache: { hits: this.cache.hits, misses: this.cache.misses } };
  }

  resetStats(): void {
    this.stats = emptyStats();
    this.cache.hits = 0;
    this.cache.misses = 0;
  }

  /** Restarts the fault stream (after `configure`): the n-th call from here gets the n-th fault. */
  resetFaultStream(): void {
    this.faultCounter = 0;
  }

  /** An FMP request: gates first, then this request's fault, then the route's answer. */
  answerFmp(req: http.IncomingMessage, res: http.ServerResponse, path: string, query: string) {
    const route = routeOf(path);
    this.stats.requests++;
    if (route.kind === 'unknown') return this.send(req, res, route.name, 404, FMP_ERROR_BODIES.notFound);
    const params = new URLSearchParams(query);
    const state = this.state();
    const nowMs = state.clock.now();
    const refusal = this.refusal(route, params, nowMs);
    if (refusal) {
      return this.send(req, res, route.name, refusal.status, refusal.body, refusal.contentType);
    }
    const fault = this.drawFault();
    if (fault) this.stats.faults[fault]++;
    if (fault === 'reset') {
      this.count(route.name, 'reset', 0);
      req.socket.destroy();
      return;
    }
    if (fault === 'serverError') {
      return this.send(req, res, route.name, 503, FMP_ERROR_BODIES.serviceUnavailable, 'text/html');
    }
    if (fault === 'limitReach200') return this.send(req, res, route.name, 200, FMP_ERROR_BODIES.limitReach);
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
    this.sendAnswer(req, res, route.name, answer, fault);
  }

  /** The `/__sim/` endpoints: stats and their reset. */
  answerControl(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    if (path === '/__sim/stats' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': JSON_TYPE });
      res.end(JSON.stringify(this.snapshot()));
      return;
    }
    if (path === '/__sim/stats/reset' && req.method === 'POST') {
      this.resetStats();
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(404, { 'Content-Type': JSON_TYPE });
    res.end('[]');
  }

  /** The key, the legacy gate, bandwidth, the call limits and the burst limit, in FMP's order. */
  private refusal(route: Route, params: URLSearchParams, nowMs: number): Refusal | undefined {
    const state = this.state();
    if (params.get('apikey') !== state.apiKey) return { status: 401, body: FMP_ERROR_BODIES.invalidApiKey };
    if (route.kind === 'legacy' && !state.options.legacyKey) {
      return { status: 403, body: FMP_ERROR_BODIES.legacyEndpoint };
    }
    const f = state.faults;
    if (
      f.bandwidthExhausted ||
      (f.bandwidthLimitBytes !== null && this.stats.bytesSent >= f.bandwidthLimitBytes)
    ) {
      this.stats.faults.bandwidth++;
      this.stats.rateLimited++;
      return { status: 429, body: FMP_ERROR_BODIES.bandwidthLimitReach };
    }
    if (!state.limiter.tryAcquire(nowMs)) {
      this.stats.rateLimited++;
      return { status: 429, body: FMP_ERROR_BODIES.limitReach };
    }
    if (state.burstLimiter && !state.burstLimiter.tryAcquire(nowMs)) {
      this.stats.faults.burst++;
      return { status: 503, body: FMP_ERROR_BODIES.serviceUnavailable, contentType: 'text/html' };
    }
    return undefined;
  }

  /** Picks this request's random fault, if any (one per request). */
  private drawFault(): SimFaultKind | undefined {
    const state = this.state();
    const f = state.faults;
    const total =
      f.resetShare + f.serverErrorShare + f.truncateShare + f.malformedShare + f.limitReach200Share;
    if (total <= 0) return undefined;
    let u = uniformAt(f.seed ?? state.seed, 0xfa17, this.faultCounter++);
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
  }

  /** A route's answer, broken as the request's fault says (malformed JSON, a truncated body). */
  private sendAnswer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: string,
    answer: RouteAnswer,
    fault: SimFaultKind | undefined,
  ) {
    if (answer.status !== 200) return this.send(req, res, route, answer.status, String(bodyOf(answer)));
    if (fault === 'malformed') {
      // why: a complete HTTP message whose JSON breaks off, as a proxy cutting a body short would leave it.
      const text = String(bodyOf(answer));
      const broken = text.length > 4 ? text.slice(0, Math.floor(text.length / 2)) : '[{"date":';
      return this.send(req, res, route, 200, broken);
    }
    const body = this.rendered(answer);
    if (fault === 'truncate') {
      const payload = body.body.subarray(0, Math.max(1, Math.floor(body.body.length / 2)));
      this.count(route, 'truncated', payload.length);
      res.writeHead(200, { 'Content-Type': JSON_TYPE, ETag: body.etag, Vary: 'Accept-Encoding' });
      res.write(payload, () => res.destroy());
      return;
    }
    this.send(req, res, route, 200, body);
  }

  private rendered(answer: RouteAnswer): RenderedBody {
    if (answer.cacheKey === undefined) return renderBody(bodyOf(answer));
    let entry = this.cache.get(answer.cacheKey);
    if (!entry) {
      entry = renderBody(bodyOf(answer), answer.cacheKey);
      this.cache.set(answer.cacheKey, entry);
    }
    return entry;
  }

  private send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: string,
    status: number,
    body: string | RenderedBody,
    contentType = JSON_TYPE,
  ): void {
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
    this.count(route, String(status), payload.length);
    // why: no Content-Length, so Node sends `Transfer-Encoding: chunked` as FMP does.
    res.writeHead(status, headers);
    res.end(payload);
  }

  private count(route: string, status: string, bytes: number): void {
    this.stats.byRoute[route] ??= {};
    const byRoute = this.stats.byRoute[route];
    byRoute[status] = (byRoute[status] ?? 0) + 1;
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
    this.stats.bytesSent += bytes;
  }
}
