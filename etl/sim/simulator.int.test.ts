import { describe, expect, it } from 'vitest';
import { FMP_ERROR_BODIES } from './fmp-error-bodies.ts';
import { chart, clock, dates, get, json, NOW, sim, times, useTestSimulator } from './sim-http-harness.ts';
import { BASIC_PLAN_SYMBOLS, simEodBars, simIntradayBars, symbolProfile } from './simulator.ts';

useTestSimulator();

describe('routing and auth', () => {
  it('answers every route with a top-level JSON array', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ...['1min', '5min', '15min', '30min', '1hour', '4hour'].map(
        (i) =>
          [`/stable/historical-chart/${i}`, { symbol: 'AAPL', from: '2024-11-25', to: '2024-11-26' }] as [
            string,
            Record<string, string>,
          ],
      ),
      ...['full', 'light', 'non-split-adjusted', 'dividend-adjusted'].map(
        (k) =>
          [`/stable/historical-price-eod/${k}`, { symbol: 'AAPL', from: '2024-11-01', to: '2024-11-29' }] as [
            string,
            Record<string, string>,
          ],
      ),
      ['/stable/dividends', { symbol: 'MSFT' }],
      ['/stable/splits', { symbol: 'AAPL' }],
      ['/stable/quote', { symbol: 'AAPL' }],
      ['/stable/batch-quote', { symbols: 'AAPL,MSFT' }],
      ['/stable/exchange-market-hours', { exchange: 'NASDAQ' }],
      ['/stable/holidays-by-exchange', { exchange: 'NASDAQ' }],
      ['/stable/stock-list', {}],
    ];
    for (const [path, params] of cases) {
      const answer = await get(path, params);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Array.isArray(JSON.parse(answer.text)), path).toBe(true);
    }
  });

  it('answers 404 [] for unknown paths, path-style symbols and retired stable names', async () => {
    for (const path of [
      '/stable/nothing-here',
      '/stable/historical-chart/5min/AAPL',
      '/stable/historical-price-full',
      '/stable/historical-price-eod',
      '/stable/is-the-market-open',
      '/stable/market-hours',
      '/',
    ]) {
      const answer = await get(path, { symbol: 'AAPL' });
      expect([answer.status, answer.text], path).toEqual([404, '[]']);
    }
  });

  it('answers 403 with the legacy body on /api/v3 and /api/v4', async () => {
    for (const path of [
      '/api/v3/historical-chart/5min/AAPL',
      '/api/v3/quote/AAPL',
      '/api/v4/historical-price-full',
    ]) {
      const answer = await get(path);
      expect(answer.status).toBe(403);
      expect(answer.text).toBe(FMP_ERROR_BODIES.legacyEndpoint);
      expect(JSON.parse(answer.text)['Error Message']).toMatch(/^Legacy Endpoint : /);
    }
  });

  it('serves v3 shapes instead of 403 for a legacy key', async () => {
    sim.configure({ legacyKey: true });
    const window = { from: '2024-11-25', to: '2024-11-26' };
    const v3Chart = await get('/api/v3/historical-chart/5min/AAPL', window);
    expect(v3Chart.status).toBe(200);
    expect(v3Chart.text).toBe((await chart('5min', { ...window, symbol: 'AAPL' })).text);
    const full = JSON.parse((await get('/api/v3/historical-price-full/AAPL', window)).text);
    expect(full.symbol).toBe('AAPL');
    expect(full.historical.map((r: { date: string }) => r.date)).toEqual(['2024-11-26', '2024-11-25']);
    expect(Object.keys(full.historical[0])).toEqual([
      'date',
      'open',
      'high',
      'low',
      'close',
      'volume',
      'change',
      'vwap',
      'adjClose',
      'unadjustedVolume',
      'changePercent',
      'label',
      'changeOverTime',
    ]);
    expect(full.historical[0].label).toBe('November 26, 24');
    expect(JSON.parse((await get('/api/v3/historical-price-full/ZZZQ')).text)).toEqual({});
    const quotes = json(await get('/api/v3/quote/AAPL,MSFT'));
    expect(quotes.map((q) => q.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(quotes[0]).toHaveProperty('changesPercentage');
    expect(quotes[0]).not.toHaveProperty('changePercentage');
    const v4 = await get('/api/v4/anything');
    expect([v4.status, v4.text]).toEqual([404, '[]']);
    sim.configure({ legacyKey: false });
  });

  it('answers 401 with the Invalid API KEY body for a missing or wrong key', async () => {
    for (const apikey of ['', 'wrong']) {
      const answer = await get('/stable/quote', { symbol: 'AAPL', apikey });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.text)['Error Message']).toMatch(/^Invalid API KEY\. /);
    }
  });

  it('answers 400 in plain text (sent as JSON) naming the missing parameter', async () => {
    for (const [path, name] of [
      ['/stable/historical-chart/1min', 'symbol'],
      ['/stable/historical-price-eod/full', 'symbol'],
      ['/stable/quote', 'symbol'],
      ['/stable/batch-quote', 'symbols'],
      ['/stable/exchange-market-hours', 'exchange'],
    ]) {
      const answer = await get(path);
      expect(answer.status).toBe(400);
      expect(answer.text).toBe(`Query Error: Invalid or missing query parameter - ${name}`);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    }
  });

  it('ignores unknown query parameters; names are case-sensitive', async () => {
    const day = { symbol: 'AAPL', from: '2024-11-26', to: '2024-11-26' };
    const plain = await chart('1min', day);
    expect((await chart('1min', { ...day, extendedHours: 'true', foo: 'bar' })).text).toBe(plain.text);
    expect((await chart('1min', { ...day, Extended: 'true' })).text).toBe(plain.text);
    expect(json(await chart('1min', { ...day, extended: 'true' })).length).toBeGreaterThan(
      json(plain).length,
    );
  });
});

describe('data shape and order', () => {
  it('serves intraday rows {date, open, low, high, close, volume}, newest first, as simIntradayBars', async () => {
    const answer = await chart('5min', { symbol: 'AAPL', from: '2024-11-25', to: '2024-11-26' });
    const rows = json(answer);
    for (const row of rows)
      expect(Object.keys(row)).toEqual(['date', 'open', 'low', 'high', 'close', 'volume']);
    const expected = simIntradayBars('AAPL', '5min', '2024-11-25', '2024-11-26', { nowMs: NOW });
    expect(rows).toEqual(expected.reverse());
    expect(rows[0].date).toBe('2024-11-26 15:55:00');
  });

  it('treats from/to as inclusive New York dates; inverted → []; malformed date → absent', async () => {
    expect(
      new Set(
        dates(await chart('1min', { symbol: 'AAPL', from: '2024-11-26', to: '2024-11-26' })).map((d) =>
          d.slice(0, 10),
        ),
      ),
    ).toEqual(new Set(['2024-11-26']));
    const inverted = await chart('5min', { symbol: 'AAPL', from: '2024-11-27', to: '2024-11-26' });
    expect([inverted.status, inverted.text]).toEqual([200, '[]']);
    const malformed = await chart('5min', { symbol: 'AAPL', from: '2024-13-45', to: '2024-11-26' });
    const absent = await chart('5min', { symbol: 'AAPL', to: '2024-11-26' });
    expect(malformed.text).toBe(absent.text);
    expect(json(absent).length).toBeGreaterThan(0);
  });

  it('labels the DST switch days in New York wall time: 09:30–15:59', async () => {
    for (const day of ['2024-03-11', '2024-11-04']) {
      const t = times(await chart('1min', { symbol: 'AAPL', from: day, to: day }));
      expect(t).toHaveLength(390);
      expect([t[0], t.at(-1)]).toEqual(['15:59:00', '09:30:00']);
    }
  });

  it('ends an early close at 12:59 and answers [] for a holiday and a weekend', async () => {
    const early = times(await chart('1min', { symbol: 'AAPL', from: '2024-11-29', to: '2024-11-29' }));
    expect([early.length, early[0]]).toEqual([210, '12:59:00']);
    expect(times(await chart('4hour', { symbol: 'AAPL', from: '2024-11-29', to: '2024-11-29' }))).toEqual([
      '12:30:00',
      '09:30:00',
    ]);
    expect((await chart('1min', { symbol: 'AAPL', from: '2024-11-28', to: '2024-11-28' })).text).toBe('[]');
    expect((await chart('5min', { symbol: 'AAPL', from: '2024-11-23', to: '2024-11-24' })).text).toBe('[]');
  });

  it('puts 1hour bars on :30, 4hour bars at 09:30 and 12:30, and extended bars from 04:00 to 19:59', async () => {
    const day = { symbol: 'AAPL', from: '2024-11-26', to: '2024-11-26' };
    expect(times(await chart('1hour', day)).every((t) => t.endsWith(':30:00'))).toBe(true);
    expect(times(await chart('4hour', day))).toEqual(['12:30:00', '09:30:00']);
    expect(times(await chart('5min', day))[0]).toBe('15:55:00');
    const extended = times(await chart('1min', { ...day, extended: 'true' }));
    expect([extended[0], extended.at(-1)]).toEqual(['19:59:00', '04:00:00']);
  });

  it('serves only bars that have ended by the clock', async () => {
    const t = times(await chart('1min', { symbol: 'AAPL', from: '2024-12-02', to: '2024-12-02' }));
    expect([t.length, t[0]]).toEqual([150, '11:59:00']);
    expect(times(await chart('1hour', { symbol: 'AAPL', from: '2024-12-02', to: '2024-12-02' }))).toEqual([
      '10:30:00',
      '09:30:00',
    ]);
  });

  it('serves EOD rows newest first with change = close − open, percent changePercent and no adjClose', async () => {
    const rows = json(
      await get('/stable/historical-price-eod/full', {
        symbol: 'AAPL',
        from: '2024-11-20',
        to: '2024-11-29',
      }),
    );
    expect(rows.map((r) => r.date)).toEqual([
      '2024-11-29',
      '2024-11-27',
      '2024-11-26',
      '2024-11-25',
      '2024-11-22',
      '2024-11-21',
      '2024-11-20',
    ]);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual([
        'symbol',
        'date',
        'open',
        'high',
        'low',
        'close',
        'volume',
        'change',
        'changePercent',
        'vwap',
      ]);
      expect(r.change as number).toBeCloseTo((r.close as number) - (r.open as number), 8);
      expect(r.changePercent as number).toBeCloseTo(((r.change as number) / (r.open as number)) * 100, 4);
    }
    expect(rows).toEqual(simEodBars('AAPL', '2024-11-20', '2024-11-29', { nowMs: NOW }).reverse());
    const light = json(
      await get('/stable/historical-price-eod/light', {
        symbol: 'AAPL',
        from: '2024-11-29',
        to: '2024-11-29',
      }),
    );
    expect(light).toEqual([
      { symbol: 'AAPL', date: '2024-11-29', price: rows[0].close, volume: rows[0].volume },
    ]);
    const raw = json(
      await get('/stable/historical-price-eod/non-split-adjusted', {
        symbol: 'AAPL',
        from: '2024-11-29',
        to: '2024-11-29',
      }),
    );
    expect(Object.keys(raw[0])).toEqual([
      'symbol',
      'date',
      'adjOpen',
      'adjHigh',
      'adjLow',
      'adjClose',
      'volume',
    ]);
  });

  it('serves splits and dividends newest first, quote and batch-quote wrapped in arrays', async () => {
    const splits = json(await get('/stable/splits', { symbol: 'NVDA' }));
    expect(splits).toEqual([
      { symbol: 'NVDA', date: '2024-06-10', numerator: 10, denominator: 1 },
      { symbol: 'NVDA', date: '2021-07-20', numerator: 4, denominator: 1 },
    ]);
    expect(json(await get('/stable/splits', { symbol: 'NVDA', limit: '1' }))).toEqual(splits.slice(0, 1));
    const payer = BASIC_PLAN_SYMBOLS.find((s) => symbolProfile(s, 1).dividend !== undefined)!;
    const dividends = json(await get('/stable/dividends', { symbol: payer }));
    expect(dividends.length).toBeGreaterThan(30);
    const divDates = dividends.map((d) => d.date as string);
    expect(divDates).toEqual([...divDates].sort().reverse());
    for (const d of dividends) {
      expect(Object.keys(d)).toEqual([
        'symbol',
        'date',
        'recordDate',
        'paymentDate',
        'declarationDate',
        'adjDividend',
        'dividend',
        'yield',
        'frequency',
      ]);
    }
    const quote = json(await get('/stable/quote', { symbol: 'AAPL' }));
    expect(quote).toHaveLength(1);
    expect(quote[0].symbol).toBe('AAPL');
    expect(quote[0].timestamp).toBe(Math.floor(NOW / 1000));
    const batch = json(await get('/stable/batch-quote', { symbols: 'AAPL,MSFT,ZZZQ' }));
    expect(batch.map((q) => q.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(Object.keys(batch[0])).toEqual(Object.keys(quote[0]));
  });

  it('answers 200 [] for unknown symbols', async () => {
    sim.configure({ unknownSymbols: ['NOPE'] });
    for (const symbol of ['ZZZX', 'NOPE', 'aapl', 'BRK/B']) {
      const answer = await chart('5min', { symbol, from: '2024-11-26', to: '2024-11-26' });
      expect([answer.status, answer.text], symbol).toEqual([200, '[]']);
      expect((await get('/stable/quote', { symbol })).text).toBe('[]');
    }
  });

  it('reports market hours with the current New York offset and holidays from the calendar', async () => {
    const hours = json(await get('/stable/exchange-market-hours', { exchange: 'NASDAQ' }));
    expect(hours).toEqual([
      {
        exchange: 'NASDAQ',
        name: 'NASDAQ',
        openingHour: '09:30 AM -05:00',
        closingHour: '04:00 PM -05:00',
        timezone: 'America/New_York',
        isMarketOpen: true,
      },
    ]);
    clock.t = Date.UTC(2024, 6, 6, 15); // a Saturday in July
    const summer = json(await get('/stable/exchange-market-hours', { exchange: 'NASDAQ' }))[0];
    expect([summer.openingHour, summer.isMarketOpen]).toEqual(['09:30 AM -04:00', false]);
    const atOpen = Date.UTC(2024, 6, 8, 14) / 1000; // Monday 10:00 New York
    const asked = json(
      await get('/stable/exchange-market-hours', { exchange: 'NASDAQ', timestamp: String(atOpen) }),
    )[0];
    expect([asked.openingHour, asked.isMarketOpen]).toEqual(['09:30 AM -04:00', true]);
    const holidays = json(
      await get('/stable/holidays-by-exchange', { exchange: 'NASDAQ', from: '2024-11-01', to: '2024-12-31' }),
    );
    expect(holidays).toEqual([
      {
        exchange: 'NASDAQ',
        date: '2024-11-28',
        name: 'Thanksgiving Day',
        isClosed: true,
        adjOpenTime: null,
        adjCloseTime: null,
      },
      {
        exchange: 'NASDAQ',
        date: '2024-11-29',
        name: 'Day after Thanksgiving',
        isClosed: null,
        adjOpenTime: null,
        adjCloseTime: '13:00',
      },
      {
        exchange: 'NASDAQ',
        date: '2024-12-24',
        name: 'Christmas Eve',
        isClosed: null,
        adjOpenTime: null,
        adjCloseTime: '13:00',
      },
      {
        exchange: 'NASDAQ',
        date: '2024-12-25',
        name: 'Christmas Day',
        isClosed: true,
        adjOpenTime: null,
        adjCloseTime: null,
      },
    ]);
    // early closes before 1993 end at 14:00; irregular ones at their own time
    const early = json(
      await get('/stable/holidays-by-exchange', { exchange: 'NASDAQ', from: '1992-11-27', to: '1994-04-27' }),
    ).filter((h) => h.isClosed === null);
    expect(early.map((h) => [h.date, h.adjCloseTime])).toEqual([
      ['1992-11-27', '14:00'],
      ['1992-12-24', '14:00'],
      ['1993-11-26', '13:00'],
      ['1994-02-11', '14:30'],
    ]);
  });

  it('lists stocks as {symbol, companyName}', async () => {
    const list = json(await get('/stable/stock-list'));
    expect(list.length).toBeGreaterThan(1000);
    expect(Object.keys(list[0])).toEqual(['symbol', 'companyName']);
    expect(list.map((r) => r.symbol)).toEqual(expect.arrayContaining(['AAPL', 'MOG-A', 'TXG']));
  });
});
