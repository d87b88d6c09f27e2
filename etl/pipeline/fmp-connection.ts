/**
 * Where the ETL's FMP calls go: the configured API (FMP_BASE_URL, FMP_API_KEY), or — when neither is set — the
 * built-in simulator started in this process, so every command works offline. One client, one limiter.
 */
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import type { FmpClient } from '../extract/fmp-client.ts';
import type { ClientCounters } from './run-progress.ts';

export interface AppContextLike {
  config: Config;
  log: Logger;
  clock: Clock;
}

export interface FmpConnection {
  client: FmpClient;
  counters(): ClientCounters;
  /** Requests in flight at most. */
  concurrency: number;
  /** The client's rate limit, requests per minute. */
  limitPerMin: number;
  /** Base URL of the built-in simulator when one was started. */
  simulatorUrl: string | undefined;
  close(): Promise<void>;
}

/** The simulator's default API key (etl/sim). */
export const SIMULATOR_DEFAULT_KEY = 'demo';

export async function openFmpConnection(
  context: AppContextLike,
  options: { concurrency?: number } = {},
): Promise<FmpConnection> {
  const { config, log, clock } = context;
  let baseUrl = config.fmpBaseUrl;
  let apiKey = config.fmpApiKey ?? SIMULATOR_DEFAULT_KEY;
  let closeSimulator: (() => Promise<void>) | undefined;
  if (baseUrl === undefined) {
    const { startSimulator } = await import('../sim/simulator.ts');
    const sim = await startSimulator({ plan: 'ultimate' });
    baseUrl = sim.url;
    apiKey = sim.apiKey;
    closeSimulator = () => sim.close();
    log.info(
      { url: sim.url },
      'no FMP_API_KEY or FMP_BASE_URL set: using the built-in FMP simulator (synthetic data) in this process',
    );
  }
  const { createFmpClient } = await import('../extract/fmp-client.ts');
  const concurrency = options.concurrency ?? config.concurrency;
  const client = createFmpClient({
    baseUrl,
    apiKey,
    rateLimitPerMin: config.rateLimitPerMin,
    rateLimitPerDay: config.rateLimitPerDay,
    concurrency,
    timeoutMs: config.timeoutMs,
    log,
    clock,
  });
  return {
    client,
    counters: () => countersOf(client),
    concurrency,
    limitPerMin: config.rateLimitPerMin,
    simulatorUrl: closeSimulator ? baseUrl : undefined,
    close: async () => {
      await client.close();
      await closeSimulator?.();
    },
  };
}

export function countersOf(client: Pick<FmpClient, 'stats'>): ClientCounters {
  const s = client.stats();
  return { requests: s.requests, retries: s.retries, http429: s.http429 };
}
