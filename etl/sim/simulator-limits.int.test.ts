import http from 'node:http';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FMP_ERROR_BODIES } from './fmp-error-bodies.ts';
import { type HttpAnswer, httpGet } from './http-get.ts';
import { chart, dates, get, sim, useTestSimulator } from './sim-http-harness.ts';

useTestSimulator();

describe('caps and plans', () => {
  it('caps 1min at 5 calendar days, keeping the newest; the cap can be lifted', async () => {
    const window = { symbol: 'AAPL', from: '2024-03-01', to: '2024-03-15' };
    const days = (a: HttpAnswer) => [...new Set(dates(a).map((d) => d.slice(0, 10)))];
    expect(days(await chart('1min', window))).toEqual([
      '2024-03-15',
      '2024-03-14',
      '2024-03-13',
      '2024-03-12',
      '2024-03-11',
    ]);
    sim.configure({ caps: { '1min': null } });
    expect(days(await chart('1min', window))).toHaveLength(11);
  });

  it('caps 1hour at 410 rows, keeping the newest', async () => {
    const rows = dates(await chart('1hour', { symbol: 'AAPL', from: '2023-01-01', to: '2024-06-28' }));
    expect(rows).toHaveLength(410);
    expect(rows[0]).toBe('2024-06-28 15:30:00');
    sim.configure({ caps: { '1hour': { rows: 20 } } });
    expect(dates(await chart('1hour', { symbol: 'AAPL', from: '2023-01-01', to: '2024-06-28' }))).toEqual(
      rows.slice(0, 20),
    );
  });

  it('serves 5 years of EOD by default and caps EOD rows keeping the newest', async () => {
    const rows = dates(await get('/stable/historical-price-eod/full', { symbol: 'AAPL' }));
    expect(rows[0]).toBe('2024-11-29');
    expect(rows.at(-1)! >= '2019-11-30' && rows.at(-1)! <= '2019-12-03').toBe(true);
    expect(rows.length).toBeGreaterThan(1250);
    sim.configure({ eodRowCap: 100 });
    expect(dates(await get('/stable/historical-price-eod/full', { symbol: 'AAPL' }))).toEqual(
      rows.slice(0, 100),
    );
  });

  it('gates Basic: intraday, batch-quote and stock-list restricted; symbols outside the sample 402', async () => {
    sim.configure({ plan: 'basic' });
    for (const [path, params] of [
      ['/stable/historical-chart/5min', { symbol: 'AAPL' }],
      ['/stable/batch-quote', { symbols: 'AAPL' }],
      ['/stable/stock-list', {}],
    ] as const) {
      const answer = await get(path, params);
      expect([answer.status, answer.text]).toEqual([402, FMP_ERROR_BODIES.restrictedEndpoint]);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    const outside = await get('/stable/quote', { symbol: 'TXG' });
    expect([outside.status, outside.text]).toEqual([402, FMP_ERROR_BODIES.symbolNotInPlan]);
    expect(outside.text).toMatch(/^Premium Query Parameter: 'Special Endpoint/);
    expect((await get('/stable/quote', { symbol: 'AAPL' })).status).toBe(200);
    const overLimit = await get('/stable/dividends', { symbol: 'AAPL', limit: '6' });
    expect(overLimit.status).toBe(402);
    expect(overLimit.text).toMatch(
      /^Premium Query Parameter: 'Special Parameters : The values for 'limit' must be between 0 and 5/,
    );
    expect((await get('/stable/dividends', { symbol: 'AAPL', limit: '5' })).status).toBe(200);
    expect(
      (await get('/stable/historical-price-eod/full', { symbol: 'MSFT', from: '2024-11-01' })).status,
    ).toBe(200);
  });

  it('gates Starter: 1min restricted, 5min served, extended refused', async () => {
    sim.configure({ plan: 'starter' });
    const day = { symbol: 'AAPL', from: '2024-11-26', to: '2024-11-26' };
    const oneMin = await chart('1min', day);
    expect([oneMin.status, oneMin.text]).toEqual([402, FMP_ERROR_BODIES.restrictedEndpoint]);
    expect((await chart('5min', day)).status).toBe(200);
    const extended = await chart('5min', { ...day, extended: 'true' });
    expect(extended.status).toBe(402);
    expect(extended.text).toMatch(/^Premium Query Parameter: 'Special Parameters/);
    sim.configure({ plan: 'premium' });
    expect((await chart('1min', { ...day, extended: 'true' })).status).toBe(200);
  });
});

describe('transport', () => {
  it('gzips when asked, sends chunked with an ETag and Vary, and caches repeated bodies', async () => {
    sim.resetStats();
    const params = { symbol: 'MSFT', from: '2024-11-25', to: '2024-11-26' };
    const plain = await chart('1min', params);
    const gzipped = await get('/stable/historical-chart/1min', params, {
      'accept-encoding': 'gzip, deflate',
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzipped.body).toString('utf8')).toBe(plain.text);
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['transfer-encoding']).toBe('chunked');
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.headers.etag).toMatch(/^W\/".+"$/);
    expect(gzipped.headers.etag).toBe(plain.headers.etag);
    expect(sim.stats().cache.hits).toBe(1);
    sim.configure({ faults: { latencyMs: 0 }, rateLimitPerMin: 1000 });
    expect((await chart('1min', params)).text).toBe(plain.text);
    expect(sim.stats().cache).toEqual({ hits: 2, misses: 1 });
  });

  it('counts requests by route and status, in process and at /__sim/stats', async () => {
    sim.resetStats();
    await chart('5min', { symbol: 'AAPL', from: '2024-11-26', to: '2024-11-26' });
    await get('/stable/nope');
    await get('/stable/quote', { symbol: 'AAPL', apikey: 'wrong' });
    const stats = sim.stats();
    expect(stats.requests).toBe(3);
    expect(stats.byRoute).toEqual({
      'historical-chart/5min': { 200: 1 },
      unknown: { 404: 1 },
      quote: { 401: 1 },
    });
    expect(stats.byStatus).toEqual({ 200: 1, 404: 1, 401: 1 });
    expect(stats.bytesSent).toBeGreaterThan(1000);
    const remote = await httpGet(`${sim.url}/__sim/stats`);
    expect(JSON.parse(remote.text)).toEqual(stats);
    const reset = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${sim.url}/__sim/stats/reset`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(reset).toBe(204);
    expect(sim.stats().requests).toBe(0);
  });
});
