import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { silentLogger } from '../core/log.ts';
import { FakeFmp, type Reply, type Seen } from './fake-fmp.ts';
import { createFmpClient, type FmpClient, type FmpClientOptions } from './fmp-client.ts';
import {
  FmpEndpointNotInPlanError,
  FmpError,
  FmpResponseError,
  FmpRetriesExhaustedError,
} from './fmp-errors.ts';
import { ManualClock } from './manual-clock.ts';

const API_KEY = 'sk-test-7f3a9c0e12d4';

const BARS = JSON.stringify([
  { date: '2024-03-11 09:31:00', open: 172.5, low: 172.1, high: 173, close: 172.84, volume: 1555040 },
  { date: '2024-03-11 09:30:00', open: 171.99, low: 171.5, high: 172.6, close: 172.5, volume: 901223 },
]);
const LIMIT_REACH = JSON.stringify({
  'Error Message':
    'Limit Reach . Please upgrade your plan or visit our documentation for more details at https://site.financialmodelingprep.com/',
});

const servers: FakeFmp[] = [];
const clients: FmpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop().catch(() => undefined)));
});

async function fake(handler: (seen: Seen, index: number) => Reply): Promise<FakeFmp> {
  const server = await new FakeFmp(handler).start();
  servers.push(server);
  return server;
}

function client(server: FakeFmp, overrides: Partial<FmpClientOptions> = {}): FmpClient {
  const c = createFmpClient({
    baseUrl: server.url,
    apiKey: API_KEY,
    rateLimitPerMin: 1000,
    concurrency: 4,
    timeoutMs: 2000,
    log: silentLogger(),
    retry: { baseDelayMs: 2, maxDelayMs: 10, maxAttempts: 4 },
    rateLimit: { pauseBaseMs: 5, pauseMaxMs: 20, marginMs: 0 },
    breaker: { failureThreshold: 3, probeBaseMs: 10, probeMaxMs: 40, maxWaitMs: 20_000 },
    ...overrides,
  });
  clients.push(c);
  return c;
}

const day = { interval: '1min', from: '2024-03-11', to: '2024-03-11' } as const;

describe('createFmpClient: requests', () => {
  it('sends /stable paths with the normalised, encoded symbol, the key and gzip, and decodes gzip bodies', async () => {
    const server = await fake(() => ({ body: BARS }));
    const fmp = client(server);
    const cols = await fmp.intradayBars({ ...day, symbol: 'mog/a', extended: true, nonadjusted: true });
    expect(cols.length).toBe(2);
    expect(Array.from(cols.close)).toEqual([172.84, 172.5]);
    const [seen] = server.seen;
    expect(seen!.path).toBe('/stable/historical-chart/1min');
    expect(Object.fromEntries(seen!.query)).toEqual({
      symbol: 'MOG-A',
      from: '2024-03-11',
      to: '2024-03-11',
      extended: 'true',
      nonadjusted: 'true',
      apikey: API_KEY,
    });
    expect(seen!.acceptEncoding).toContain('gzip');
    const stats = fmp.stats();
    expect(stats.wireBytes).toBeLessThan(stats.decodedBytes);
    expect(stats.byStatus).toEqual({ '200': 1 });
  });

  it('rejects bad symbols, dates and intervals before any request', async () => {
    const server = await fake(() => ({ body: '[]' }));
    const fmp = client(server);
    await expect(fmp.intradayBars({ ...day, symbol: 'AA&PL' })).rejects.toThrow(UsageError);
    await expect(fmp.intradayBars({ ...day, symbol: 'AAPL', from: '2024-3-11' })).rejects.toThrow(
      /from date/,
    );
    await expect(fmp.eodBars({ symbol: 'AAPL', to: 'yesterday' })).rejects.toThrow(UsageError);
    await expect(fmp.marketHours('NAS DAQ')).rejects.toThrow(/exchange/);
    expect(server.seen).toHaveLength(0);
  });

  it('treats [] as a valid empty answer', async () => {
    const server = await fake(() => ({ body: ' [ ]\n' }));
    const fmp = client(server);
    expect((await fmp.intradayBars({ ...day, symbol: 'AAPL' })).length).toBe(0);
    expect(await fmp.splits('AAPL')).toEqual([]);
  });

  it('maps every endpoint to its /stable path and validates the answer', async () => {
    const bodies: Record<string, unknown> = {
      '/stable/historical-price-eod/full': [
        {
          symbol: 'AAPL',
          date: '2023-01-10',
          open: 130.26,
          high: 131.26,
          low: 128.12,
          close: 130.73,
          volume: 63896200,
          change: 0.47,
          changePercent: 0.36,
          vwap: 130.09,
        },
      ],
      '/stable/historical-price-eod/non-split-adjusted': [
        {
          symbol: 'AAPL',
          date: '2023-01-10',
          adjOpen: 1,
          adjHigh: 2,
          adjLow: 0.5,
          adjClose: 1.5,
          volume: 10,
        },
      ],
      '/stable/splits': [{ symbol: 'AAPL', date: '2020-08-31', numerator: 4, denominator: 1 }],
      '/stable/dividends': [
        {
          symbol: 'AAPL',
          date: '2025-08-11',
          recordDate: '',
          paymentDate: '2025-08-14',
          declarationDate: '2025-07-31',
          adjDividend: 0.26,
          dividend: 0.26,
          yield: 0.45,
          frequency: 'Quarterly',
        },
      ],
      '/stable/quote': [
        { symbol: 'AAPL', price: 256.08, volume: 101865199, timestamp: 1758571201, name: 'Apple Inc.' },
      ],
      '/stable/batch-quote': [
        { symbol: 'AAPL', price: 1, volume: 2, timestamp: 3 },
        { symbol: 'BRK-B', price: 4, volume: 5, timestamp: 6 },
      ],
      '/stable/exchange-market-hours': [
        {
          exchange: 'NASDAQ',
          name: 'NASDAQ',
          openingHour: '09:30 AM -04:00',
          closingHour: '04:00 PM -04:00',
          timezone: 'America/New_York',
          isMarketOpen: false,
        },
      ],
      '/stable/holidays-by-exchange': [
        {
          exchange: 'NASDAQ',
          date: '2026-11-27',
          name: 'Day after Thanksgiving',
          isClosed: null,
          adjOpenTime: null,
          adjCloseTime: '13:00',
        },
      ],
      '/stable/stock-list': [{ symbol: 'AAPL', companyName: 'Apple Inc.' }],
    };
    const server = await fake((seen) => ({
      body: JSON.stringify(bodies[seen.path] ?? []),
      status: bodies[seen.path] ? 200 : 404,
    }));
    const fmp = client(server);
    expect(await fmp.eodBars({ symbol: 'aapl', from: '2023-01-01', to: '2023-01-10' })).toEqual([
      {
        symbol: 'AAPL',
        date: '2023-01-10',
        open: 130.26,
        high: 131.26,
        low: 128.12,
        close: 130.73,
        volume: 63896200,
        vwap: 130.09,
      },
    ]);
    expect((await fmp.eodBars({ symbol: 'AAPL', adjustment: 'non-split-adjusted' }))[0]).toMatchObject({
      open: 1,
      close: 1.5,
    });
    expect(await fmp.splits('AAPL')).toEqual([
      { symbol: 'AAPL', date: '2020-08-31', numerator: 4, denominator: 1 },
    ]);
    expect((await fmp.dividends('AAPL'))[0]).toMatchObject({
      recordDate: null,
      paymentDate: '2025-08-14',
      frequency: 'Quarterly',
    });
    expect((await fmp.quote('AAPL'))[0]).toMatchObject({ symbol: 'AAPL', price: 256.08, name: 'Apple Inc.' });
    expect(await fmp.batchQuote(['aapl', 'brk/b'])).toHaveLength(2);
    expect((await fmp.marketHours('nasdaq'))[0]!.timezone).toBe('America/New_York');
    expect((await fmp.holidays('NASDAQ', { from: '2026-01-01', to: '2026-12-31' }))[0]).toMatchObject({
      isClosed: null,
      adjCloseTime: '13:00',
    });
    expect(await fmp.stockList()).toEqual([{ symbol: 'AAPL', companyName: 'Apple Inc.' }]);
    const batch = server.seen.find((s) => s.path === '/stable/batch-quote')!;
    expect(batch.query.get('symbols')).toBe('AAPL,BRK-B');
    expect(server.seen.find((s) => s.path === '/stable/holidays-by-exchange')!.query.get('from')).toBe(
      '2026-01-01',
    );
  });
});

describe('createFmpClient: failures', () => {
  it('retries 5xx, resets, truncated bodies and malformed JSON, and counts the retries', async () => {
    const script: Reply[] = [
      { status: 503, body: 'Service Unavailable' },
      { reset: true },
      { truncate: BARS.slice(0, 40) },
      { body: BARS.slice(0, -3) },
      { body: BARS },
    ];
    const server = await fake((_s, i) => script[i] ?? { body: BARS });
    const fmp = client(server, { retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 6 } });
    const cols = await fmp.intradayBars({ ...day, symbol: 'AAPL' });
    expect(cols.length).toBe(2);
    expect(server.seen).toHaveLength(5);
    expect(fmp.stats()).toMatchObject({ requests: 5, retries: 4 });
    expect(fmp.stats().byStatus['503']).toBe(1);
  });

  it('treats a 200 with "Limit Reach" as a 429: pauses the limiter, retries, and counts it', async () => {
    const server = await fake((_s, i) =>
      i < 2 ? { body: LIMIT_REACH, status: i === 0 ? 200 : 429 } : { body: BARS },
    );
    const fmp = client(server);
    expect((await fmp.intradayBars({ ...day, symbol: 'AAPL' })).length).toBe(2);
    expect(fmp.stats()).toMatchObject({ http429: 2, retries: 2 });
    expect(fmp.stats().limiter.pauses).toBeGreaterThanOrEqual(1);
  });

  it('gives up on persistent 5xx with FmpRetriesExhaustedError after maxAttempts', async () => {
    const server = await fake(() => ({ status: 502, body: 'Bad Gateway' }));
    const fmp = client(server);
    const error = await fmp.intradayBars({ ...day, symbol: 'AAPL' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FmpRetriesExhaustedError);
    expect(error).toMatchObject({ kind: 'retries-exhausted', attempts: 4, symbol: 'AAPL', status: 502 });
    expect(String((error as Error).message)).toMatch(
      /AAPL historical-chart\/1min 2024-03-11\.\.2024-03-11: FMP failed 4 attempt/,
    );
    expect(fmp.stats().errors).toEqual({ 'retries-exhausted': 1 });
  });

  it('gives up on a body that never validates with FmpResponseError', async () => {
    const server = await fake(() => ({ body: '[{"date":"2024-03-11 09:30:00","open":"1"}]' }));
    const fmp = client(server);
    const error = await fmp.intradayBars({ ...day, symbol: 'AAPL' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FmpResponseError);
    expect((error as Error).message).toMatch(/failed validation on all 4 attempts/);
  });

  it('disables an endpoint on 402 Restricted Endpoint: later calls fail fast without a request', async () => {
    const server = await fake((seen) =>
      seen.path.endsWith('/1min')
        ? {
            status: 402,
            body: 'Restricted Endpoint: This endpoint is not available under your current subscription',
          }
        : { body: BARS },
    );
    const fmp = client(server);
    await expect(fmp.intradayBars({ ...day, symbol: 'AAPL' })).rejects.toThrow(FmpEndpointNotInPlanError);
    const second = await fmp.intradayBars({ ...day, symbol: 'MSFT' }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(FmpEndpointNotInPlanError);
    expect((second as Error).message).toMatch(/disabled for this run/);
    expect(server.seen).toHaveLength(1);
    expect((await fmp.intradayBars({ ...day, interval: '5min', symbol: 'AAPL' })).length).toBe(2);
    expect(fmp.stats().disabledEndpoints).toEqual(['historical-chart/1min']);
  });

  it('times out a hanging request and retries it', async () => {
    const server = await fake((_s, i) => (i === 0 ? { hang: true } : { body: BARS }));
    const fmp = client(server, { timeoutMs: 300 });
    expect((await fmp.intradayBars({ ...day, symbol: 'AAPL' })).length).toBe(2);
    expect(fmp.stats()).toMatchObject({ retries: 1, byStatus: { network: 1, '200': 1 } });
  });
});

describe('createFmpClient: outage', () => {
  it('opens the breaker after network failures, probes FMP itself, and resumes when it answers', async () => {
    const server = await fake(() => ({ body: BARS }));
    const fmp = client(server, { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 50 } });
    expect((await fmp.intradayBars({ ...day, symbol: 'AAPL' })).length).toBe(2);
    await server.stop();
    const pending = Promise.all(['MSFT', 'NVDA'].map((symbol) => fmp.intradayBars({ ...day, symbol })));
    for (let i = 0; i < 200 && fmp.stats().breaker.probes < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(fmp.stats().breaker.state).toBe('open');
    await server.restart();
    const results = await pending;
    expect(results.map((c) => c.length)).toEqual([2, 2]);
    const stats = fmp.stats();
    expect(stats.breaker).toMatchObject({ state: 'closed', opens: 1 });
    expect(stats.breaker.probes).toBeGreaterThanOrEqual(2);
    // the probe that closed the breaker went to FMP's own origin, without the key
    expect(server.seen.some((s) => s.path === '/stable/' && !s.query.has('apikey'))).toBe(true);
  });
});

describe('createFmpClient: outage that outlasts the breaker', () => {
  it('fails the call with FmpRetriesExhaustedError once the breaker stayed open longer than maxWaitMs', async () => {
    const server = await fake(() => ({ body: BARS }));
    const fmp = client(server, {
      retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 1000 },
      breaker: { failureThreshold: 2, probeBaseMs: 20, probeMaxMs: 40, maxWaitMs: 300 },
    });
    await server.stop();
    const error = await fmp.intradayBars({ ...day, symbol: 'AAPL' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FmpRetriesExhaustedError);
    expect((error as Error).message).toMatch(/circuit breaker stayed open/);
    expect(fmp.stats().breaker.state).toBe('open');
    expect(fmp.stats().byStatus.network).toBe(2);
  });
});

describe('createFmpClient: one limiter per key', () => {
  it('shares the window between clients of the same key, and never starts more than the limit', async () => {
    const server = await fake(() => ({ body: BARS }));
    const clock = new ManualClock(Date.now());
    const a = client(server, { clock, rateLimitPerMin: 5 });
    const b = client(server, { clock, rateLimitPerMin: 5 });
    const calls = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map((symbol, i) =>
      (i % 2 === 0 ? a : b).intradayBars({ ...day, symbol }),
    );
    for (let i = 0; i < 300 && server.seen.length < 5; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    expect(server.seen).toHaveLength(5);
    expect(a.stats().limiter).toEqual(b.stats().limiter);
    await clock.advance(60_000);
    await Promise.all(calls);
    expect(server.seen).toHaveLength(8);
    expect(a.stats().requests + b.stats().requests).toBe(8);
  });
});

describe('createFmpClient: secrets', () => {
  it('never puts the API key in a log line, an error message, a stack or a cause', async () => {
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
    const server = await fake((seen) => {
      const symbol = seen.query.get('symbol');
      if (symbol === 'AAPL') return { status: 401, body: `{"Error Message": "Invalid API KEY ${API_KEY}"}` };
      if (symbol === 'MSFT') return { status: 503, body: `upstream error for apikey=${API_KEY}` };
      if (symbol === 'NVDA') return { status: 402, body: 'Restricted Endpoint: not in plan' };
      if (symbol === 'AMD') return { reset: true };
      return { body: `[{"date": "${API_KEY}"}]` };
    });
    const fmp = client(server, { log });
    const errors: unknown[] = [];
    for (const symbol of ['AAPL', 'MSFT', 'AMD', 'IBM', 'NVDA']) {
      await fmp
        .intradayBars({ ...day, interval: symbol === 'NVDA' ? '5min' : '1min', symbol })
        .catch((e: unknown) => errors.push(e));
    }
    expect(errors).toHaveLength(5);
    expect(errors.every((e) => e instanceof FmpError)).toBe(true);
    const everything = [
      chunks.join(''),
      ...errors.map((e) => inspect(e, { depth: 10 })),
      ...errors.map((e) => (e as Error).stack ?? ''),
      ...errors.map((e) => JSON.stringify(e)),
      JSON.stringify(fmp.stats()),
    ].join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toMatch(/apikey=(?!\*)/);
  });
});
