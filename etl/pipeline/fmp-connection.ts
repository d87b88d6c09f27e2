/**
 * Where the ETL's FMP calls go: the configured API (FMP_BASE_URL, FMP_API_KEY), or — when neither is set — the
 * built-in simulator started in this process, so every command works offline. One client, one limiter.
 */
import type { AppContext } from '../core/app-context.ts';
import type { FmpClient } from '../extract/fmp-client.ts';
import { BUILT_IN_SIMULATOR_SEED, type LoadSource, loadSourceOf } from './load-source.ts';
import type { RunEtlDeps } from './run-etl.ts';
import type { ClientCounters } from './run-progress.ts';

export interface FmpConnection {
  client: FmpClient;
  counters(): ClientCounters;
  /** Requests in flight at most. */
  concurrency: number;
  /** The client's rate limit, requests per minute. */
  limitPerMin: number;
  /** Base URL of the built-in simulator when one was started. */
  simulatorUrl: string | undefined;
  /** Where the data comes from, as the loads ledger records it. */
  source: LoadSource;
  close(): Promise<void>;
}

/** The simulator's default API key (etl/sim). */
export const SIMULATOR_DEFAULT_KEY = 'demo';

export async function openFmpConnection(
  context: AppContext,
  options: { concurrency?: number; simulatorReason?: string } = {},
): Promise<FmpConnection> {
  const { config, log, clock } = context;
  let baseUrl = config.fmpBaseUrl;
  let apiKey = config.fmpApiKey ?? SIMULATOR_DEFAULT_KEY;
  let closeSimulator: (() => Promise<void>) | undefined;
  const source = loadSourceOf(config);
  if (baseUrl === undefined) {
    const { startSimulator } = await import('../sim/simulator.ts');
    const sim = await startSimulator({ plan: 'ultimate', seed: BUILT_IN_SIMULATOR_SEED });
    baseUrl = sim.url;
    apiKey = sim.apiKey;
    closeSimulator = () => sim.close();
    // why: a warning, not info: a cron job whose .env went missing must not load synthetic bars unnoticed.
    log.warn(
      {
        url: sim.url,
        source: source.id,
        why: options.simulatorReason ?? 'neither FMP_API_KEY nor FMP_BASE_URL is set',
      },
      'SYNTHETIC DATA: this run loads bars from the built-in FMP simulator, not market data',
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
    source,
    close: async () => {
      await client.close();
      await closeSimulator?.();
    },
  };
}

/** What `runEtl` takes from the connection: the client, its counters and limits, the data's source. */
export function etlSourceOf(
  fmp: FmpConnection,
): Pick<RunEtlDeps, 'source' | 'counters' | 'concurrency' | 'limitPerMin' | 'loadSource'> {
  return {
    source: fmp.client,
    counters: fmp.counters,
    concurrency: fmp.concurrency,
    limitPerMin: fmp.limitPerMin,
    loadSource: fmp.source,
  };
}

export function countersOf(client: Pick<FmpClient, 'stats'>): ClientCounters {
  const s = client.stats();
  return { requests: s.requests, retries: s.retries, http429: s.http429 };
}
