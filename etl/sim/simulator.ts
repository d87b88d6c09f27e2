/**
 * An FMP-compatible HTTP server (docs/fmp.md) on node:http: the `/stable` routes with FMP's shapes, order,
 * New York labels and error answers; plan gates and call limits; silent range caps; seeded fault injection; and a
 * non-FMP stats endpoint (`GET /__sim/stats`). Data is deterministic from the seed (see sim-intraday.ts, sim-eod.ts,
 * sim-dividends.ts, sim-quote.ts).
 * This file is the server's lifecycle (listen, latency, configure, close) and the simulator's public exports;
 * requests are answered in `sim-request-handler.ts`, options are read in `simulator-options.ts`.
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResponseCache } from './response-cache.ts';
import { uniformAt } from './sim-random.ts';
import { SimRequestHandler, type SimStats } from './sim-request-handler.ts';
import { simSessions } from './sim-sessions.ts';
import { buildState, reconfigure, type SimulatorOptions } from './simulator-options.ts';

export { type SimDividendRow, simDividends } from './sim-dividends.ts';
export {
  type SimEodAdjustment,
  type SimEodBar,
  type SimEodOptions,
  type SimSplitRow,
  simEodBars,
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
export { type SimQuote, simQuote } from './sim-quote.ts';
export type { SimStats } from './sim-request-handler.ts';
export type { SimRangeCap } from './sim-routes.ts';
export { DEFAULT_EOD_ROW_CAP, DEFAULT_INTRADAY_CAPS, simStockList } from './sim-routes.ts';
export { simSessions } from './sim-sessions.ts';
export { BASIC_PLAN_SYMBOLS, isBuiltInUnknownSymbol, symbolProfile } from './sim-symbols.ts';
export { NO_FAULTS, type SimFaultKind, type SimFaults, type SimulatorOptions } from './simulator-options.ts';

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

/** Starts the simulator and resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  let state = buildState(options);
  const cache = new ResponseCache(options.responseCacheBytes ?? 64 * 1024 * 1024);
  const handler = new SimRequestHandler(() => state, cache);
  const closing = new AbortController();
  // why: every response held back by the latency fault waits on this one signal; at a concurrency above ten the
  // default listener cap would print a leak warning (none: each wait removes its listener).
  setMaxListeners(0, closing.signal);

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (path.startsWith('/__sim/')) return handler.answerControl(req, res, path);
    const f = state.faults;
    const delay =
      f.latencyMs +
      (f.latencyJitterMs > 0 ? uniformAt(state.seed, 0x1a7e, handler.requests) * f.latencyJitterMs : 0);
    if (delay <= 0) return handler.answerFmp(req, res, path, query);
    // why: latency goes through the clock so tests can observe it without waiting; close() aborts pending waits.
    state.clock.sleep(delay, closing.signal).then(
      () => {
        if (!res.destroyed) handler.answerFmp(req, res, path, query);
      },
      () => res.destroy(),
    );
  });
  server.keepAliveTimeout = 30_000;

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
    stats: () => handler.snapshot(),
    resetStats: () => handler.resetStats(),
    configure(patch) {
      state = reconfigure(state, patch);
      handler.resetFaultStream();
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
