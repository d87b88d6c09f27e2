import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.ts';
import {
  BASIC_PLAN_SYMBOLS,
  type SimFaults,
  type SimStats,
  type Simulator,
  type SimulatorOptions,
  simIntradayBars,
  startSimulator,
} from '../sim/simulator.ts';
import { createFmpClient, type FmpClient, type FmpClientOptions } from './fmp-client.ts';
import {
  FmpAuthError,
  FmpBandwidthError,
  FmpEndpointNotInPlanError,
  type FmpError,
  FmpRetriesExhaustedError,
  FmpSymbolNotInPlanError,
} from './fmp-errors.ts';
import type { FmpIntradayColumns } from './fmp-types.ts';
import { ManualClock } from './manual-clock.ts';

const SIM_KEY = 'sim-int-key-5c2e81f0aa';
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'BRK-B'];
const DAYS = ['2024-03-08', '2024-03-11', '2024-03-12'];

const sims: Simulator[] = [];
const clients: FmpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ apiKey: SIM_KEY, seed: 7, ...options });
  sims.push(s);
  return s;
}

function client(s: Simulator, overrides: Partial<FmpClientOptions> = {}): FmpClient {
  const c = createFmpClient({
    baseUrl: s.url,
    apiKey: SIM_KEY,
    rateLimitPerMin: 10_000,
    concurrency: 4,
    timeoutMs: 5_000,
    log: silentLogger(),
    retry: { baseDelayMs: 2, maxDelayMs: 20, maxAttempts: 12 },
    rateLimit: { pauseBaseMs: 5, pauseMaxMs: 40, marginMs: 0 },
    breaker: { failureThreshold: 6, probeBaseMs: 10, probeMaxMs: 50 },
    ...overrides,
  });
  clients.push(c);
  return c;
}

/** Labels of intraday columns as FMP writes them. */
function labelOf(wallMs: number): string {
  const iso = new Date(wallMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Every bar as `SYMBOL|date|o|h|l|c|v`, from what the client returned. */
function rowsOf(symbol: string, cols: FmpIntradayColumns): string[] {
  const rows: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    rows.push(
      `${symbol}|${labelOf(cols.wallMs[i]!)}|${cols.open[i]}|${cols.high[i]}|${cols.low[i]}|${cols.close[i]}|${cols.volume[i]}`,
    );
  }
  return rows;
}

/** What the simulator holds for the same windows. */
function expectedRows(nowMs: number): string[] {
  const rows: string[] = [];
  for (const symbol of SYMBOLS) {
    for (const d of DAYS) {
      for (const b of simIntradayBars(symbol, '1min', d, d, { seed: 7, nonadjusted: true, nowMs })) {
        rows.push(`${symbol}|${b.date}|${b.open}|${b.high}|${b.low}|${b.close}|${b.volume}`);
      }
    }
  }
  return rows;
}

/** Fetches every (symbol, day) window and returns all bars delivered. */
async function fetchAll(fmp: FmpClient): Promise<string[]> {
  const windows = SYMBOLS.flatMap((symbol) => DAYS.map((d) => ({ symbol, d })));
  const results = await Promise.all(
    windows.map(async ({ symbol, d }) =>
      rowsOf(symbol, await fmp.intradayBars({ symbol, interval: '1min', from: d, to: d, nonadjusted: true })),
    ),
  );
  return results.flat();
}

function expectEveryBarOnce(delivered: string[], nowMs: number): void {
  const expected = expectedRows(nowMs);
  expect(expected.length).toBeGreaterThan(SYMBOLS.length * DAYS.length * 300);
  expect(new Set(delivered).size).toBe(delivered.length);
  expect([...delivered].sort()).toEqual([...expected].sort());
}

describe('FMP client against the simulator: fault modes', () => {
  const modes: Array<{
    name: string;
    faults: Partial<SimFaults>;
    simKind: keyof SimStats['faults'];
    client?: Partial<FmpClientOptions>;
  }> = [
    { name: '503 answers', faults: { serverErrorShare: 0.3 }, simKind: 'serverError' },
    { name: 'connection resets', faults: { resetShare: 0.3 }, simKind: 'reset' },
    { name: 'truncated bodies', faults: { truncateShare: 0.3 }, simKind: 'truncate' },
    { name: 'malformed JSON', faults: { malformedShare: 0.3 }, simKind: 'malformed' },
    {
      name: '503 under bursts',
      faults: { burstPerSecond: 4 },
      simKind: 'burst',
      // why: the burst limit counts per second of real time, so the backoff must span seconds
      client: { retry: { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 12 } },
    },
  ];
  for (const mode of modes) {
    it(`delivers every bar exactly once through ${mode.name}, counting the retries`, async () => {
      const s = await sim({ faults: mode.faults });
      const fmp = client(s, mode.client);
      const delivered = await fetchAll(fmp);
      expectEveryBarOnce(delivered, Date.now());
      const simFaults = s.stats().faults;
      expect(simFaults[mode.simKind]).toBeGreaterThan(0);
      const stats = fmp.stats();
      // every failed attempt was retried: attempts = windows + retries, and the sim saw every attempt
      expect(stats.retries).toBeGreaterThanOrEqual(simFaults[mode.simKind]!);
      expect(stats.requests).toBe(SYMBOLS.length * DAYS.length + stats.retries);
      expect(s.stats().requests).toBe(stats.requests);
      expect(stats.errors).toEqual({});
    });
  }

  it('delivers every bar exactly once through 200-with-"Limit Reach" answers, pausing the limiter', async () => {
    const s = await sim({ faults: { limitReach200Share: 0.3 } });
    const fmp = client(s);
    const delivered = await fetchAll(fmp);
    expectEveryBarOnce(delivered, Date.now());
    const stats = fmp.stats();
    expect(stats.http429).toBe(s.stats().faults.limitReach200);
    expect(stats.http429).toBeGreaterThan(0);
    expect(stats.limiter.pauses).toBeGreaterThan(0);
    expect(stats.retries).toBe(stats.http429);
  });

  it('delivers every bar exactly once with added latency, without retries', async () => {
    const s = await sim({ faults: { latencyMs: 30, latencyJitterMs: 30 } });
    const fmp = client(s);
    expectEveryBarOnce(await fetchAll(fmp), Date.now());
    expect(fmp.stats()).toMatchObject({ retries: 0, http429: 0 });
  });

  it('stops with FmpBandwidthError when the bandwidth is used up', async () => {
    const s = await sim({ faults: { bandwidthExhausted: true } });
    const error = await client(s)
      .intradayBars({ symbol: 'AAPL', interval: '1min', from: DAYS[0]!, to: DAYS[0]! })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FmpBandwidthError);
    expect(s.stats().requests).toBe(1);
  });

  it('gives up with FmpRetriesExhaustedError when every answer is a 503', async () => {
    const s = await sim({ faults: { serverErrorShare: 1 } });
    const fmp = client(s, { retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } });
    const error = await fmp
      .intradayBars({ symbol: 'AAPL', interval: '1min', from: DAYS[0]!, to: DAYS[0]! })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FmpRetriesExhaustedError);
    expect(s.stats().requests).toBe(3);
  });

  it('waits out an outage behind the circuit breaker and resumes on the same port', async () => {
    const first = await sim();
    const port = Number(new URL(first.url).port);
    const fmp = client(first, { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 100 } });
    await first.close();
    sims.splice(sims.indexOf(first), 1);
    const pending = fetchAll(fmp);
    for (let i = 0; i < 300 && fmp.stats().breaker.probes < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(fmp.stats().breaker.state).toBe('open');
    const second = await sim({ port });
    expectEveryBarOnce(await pending, Date.now());
    expect(fmp.stats().breaker).toMatchObject({ state: 'closed', opens: 1 });
    // the probes went to FMP's own origin: the restarted simulator saw the probe that closed the breaker
    expect(second.stats().byRoute.unknown?.['404']).toBeGreaterThanOrEqual(1);
  });
});

describe('FMP client against the simulator: plans and limits', () => {
  it('skips a symbol outside the plan, and disables an endpoint the plan lacks without further requests', async () => {
    const s = await sim({ plan: 'basic' });
    const fmp = client(s);
    const inPlan = BASIC_PLAN_SYMBOLS[0]!;
    const outside = ['XOM', 'IBM', 'KO', 'ZION'].find((x) => !BASIC_PLAN_SYMBOLS.includes(x))!;
    expect((await fmp.eodBars({ symbol: inPlan, from: '2024-03-01', to: '2024-03-08' })).length).toBe(6);
    await expect(fmp.eodBars({ symbol: outside, from: '2024-03-01', to: '2024-03-08' })).rejects.toThrow(
      FmpSymbolNotInPlanError,
    );
    const window = { interval: '5min', from: DAYS[0]!, to: DAYS[0]! } as const;
    await expect(fmp.intradayBars({ ...window, symbol: inPlan })).rejects.toThrow(FmpEndpointNotInPlanError);
    const before = s.stats().requests;
    await expect(fmp.intradayBars({ ...window, symbol: BASIC_PLAN_SYMBOLS[1]! })).rejects.toThrow(
      FmpEndpointNotInPlanError,
    );
    expect(s.stats().requests).toBe(before);
  });

  it('disables only extended-hours calls when the plan lacks them', async () => {
    const s = await sim({ plan: 'starter' });
    const fmp = client(s);
    const req = { symbol: 'AAPL', interval: '5min', from: DAYS[0]!, to: DAYS[0]! } as const;
    await expect(fmp.intradayBars({ ...req, extended: true })).rejects.toThrow(FmpEndpointNotInPlanError);
    expect((await fmp.intradayBars(req)).length).toBe(78);
    expect(fmp.stats().disabledEndpoints).toEqual(['historical-chart/5min extended']);
  });

  it('delivers everything when the simulator allows fewer calls per minute than the client is set to', async () => {
    // why: one manual clock drives both the simulator's rolling minute and the client's limiter, so minutes of
    // rate limiting take a second of test time.
    const clock = new ManualClock(Date.UTC(2024, 3, 1, 12, 0));
    const s = await sim({ clock, rateLimitPerMin: 8 });
    const fmp = client(s, {
      clock,
      rateLimitPerMin: 16,
      rateLimit: { marginMs: 500 },
      retry: { maxAttempts: 12, max429: 100 },
    });
    let done = false;
    const run = fetchAll(fmp).finally(() => {
      done = true;
    });
    for (let step = 0; step < 20_000 && !done; step++) await clock.advance(100);
    expectEveryBarOnce(await run, clock.now());
    const stats = fmp.stats();
    expect(stats.http429).toBeGreaterThan(0);
    expect(stats.limiter.pauses).toBeGreaterThan(0);
    expect(stats.limiter.limitPerMin).toBeLessThan(16);
    expect(stats.limiter.rateLowerings).toBeGreaterThan(0);
    expect(s.stats().rateLimited).toBe(stats.http429);
  });
});

describe('FMP client against the simulator: secrets', () => {
  it('never lets the API key reach a log line, an error, a stack or the stats of a failing run', async () => {
    const chunks: string[] = [];
    const log = pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _enc, done) {
          chunks.push(String(chunk));
          done();
        },
      }),
    );
    const errors: unknown[] = [];
    const attempt = async (
      s: Simulator,
      overrides: Partial<FmpClientOptions>,
      symbol = 'AAPL',
      interval = '1min',
    ) => {
      const fmp = client(s, { log, ...overrides });
      await fmp
        .intradayBars({ symbol, interval: interval as '1min', from: DAYS[0]!, to: DAYS[0]! })
        .catch((e: unknown) => errors.push(e));
      return fmp;
    };
    const ok = await sim();
    const wrongKey = 'wrong-key-d41d8cd98f';
    const statsOf: unknown[] = [];
    statsOf.push((await attempt(ok, { apiKey: wrongKey })).stats());
    statsOf.push((await attempt(await sim({ faults: { bandwidthExhausted: true } }), {})).stats());
    statsOf.push((await attempt(await sim({ plan: 'starter' }), {})).stats());
    statsOf.push(
      (
        await attempt(await sim({ faults: { resetShare: 0.5, serverErrorShare: 0.5 } }), {
          retry: { maxAttempts: 3, baseDelayMs: 1 },
        })
      ).stats(),
    );
    statsOf.push((await attempt(await sim({ plan: 'basic' }), {}, 'ZION', '1min')).stats());
    expect(errors).toHaveLength(5);
    expect(errors.map((e) => (e as FmpError).kind)).toEqual([
      'auth',
      'bandwidth',
      'endpoint-not-in-plan',
      'retries-exhausted',
      'endpoint-not-in-plan',
    ]);
    expect(errors[0]).toBeInstanceOf(FmpAuthError);
    const everything = [
      chunks.join(''),
      ...errors.map((e) => inspect(e, { depth: 10, showHidden: true })),
      ...errors.map((e) => `${(e as Error).stack}\n${String((e as Error).cause ?? '')}`),
      JSON.stringify(statsOf),
    ].join('\n');
    expect(chunks.length).toBeGreaterThan(0);
    expect(everything).not.toContain(SIM_KEY);
    expect(everything).not.toContain(wrongKey);
  });
});
