import { describe, expect, it } from 'vitest';
import { type CallLabel, classifyResponse, errorMessageOf, retryAfterMs } from './classify-response.ts';
import {
  FmpAuthError,
  FmpBadRequestError,
  FmpBandwidthError,
  FmpEndpointNotInPlanError,
  FmpSymbolNotInPlanError,
} from './fmp-errors.ts';

const API_KEY = 'sk-test-7f3a9c0e12d4';
const intraday: CallLabel = {
  endpoint: 'historical-chart/1min',
  symbol: 'AAPL',
  label: 'AAPL historical-chart/1min 2024-03-11..2024-03-11',
};
const stockList: CallLabel = { endpoint: 'stock-list', label: 'stock-list' };

function classify(status: number, body: string, ctx: CallLabel = intraday, retryAfter?: number) {
  return classifyResponse({ status, body: Buffer.from(body), retryAfterMs: retryAfter }, ctx, API_KEY);
}

function errorOf(outcome: ReturnType<typeof classify>) {
  if (outcome.kind !== 'error') throw new Error(`expected an error outcome, got ${outcome.kind}`);
  return outcome;
}

describe('classifyResponse: bodies', () => {
  it('a 2xx JSON array, empty or not, is a body to parse', () => {
    expect(classify(200, '[{"date":"2024-03-11 09:30:00"}]')).toEqual({ kind: 'body' });
    expect(classify(200, ' [ ]\n')).toEqual({ kind: 'body' });
  });

  it('a 2xx object without `Error Message`, or a broken body, is left to the parser', () => {
    expect(classify(200, '{"symbol":"AAPL"}')).toEqual({ kind: 'body' });
    expect(classify(200, '[{"date":')).toEqual({ kind: 'body' });
    expect(classify(200, '{"Error')).toEqual({ kind: 'body' });
  });
});

describe('classifyResponse: rate limits', () => {
  it('a 429, and a 200 carrying `Limit Reach`, are rate-limited with the Retry-After wait passed on', () => {
    const limitReach = '{"Error Message": "Limit Reach . Please upgrade your plan"}';
    expect(classify(429, limitReach, intraday, 7000)).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 });
    expect(classify(200, limitReach)).toEqual({ kind: 'rate-limited', retryAfterMs: undefined });
    expect(classify(429, '')).toEqual({ kind: 'rate-limited', retryAfterMs: undefined });
  });

  it('`Bandwidth Limit Reach` stops the run, whatever the status, and is not a 429 to wait out', () => {
    for (const status of [200, 429]) {
      const outcome = errorOf(
        classify(status, '{"Error Message": "Bandwidth Limit Reach . Please upgrade your plan"}'),
      );
      expect(outcome.error).toBeInstanceOf(FmpBandwidthError);
      expect(outcome.error).toMatchObject({ kind: 'bandwidth', endpoint: 'historical-chart/1min', status });
      expect(outcome.disable).toBeUndefined();
    }
  });
});

describe('classifyResponse: the key', () => {
  it('401 stops with an auth error naming FMP_API_KEY', () => {
    const outcome = errorOf(
      classify(401, '{\n  "Error Message": "Invalid API KEY. Feel free to create a Free API Key"\n}'),
    );
    expect(outcome.error).toBeInstanceOf(FmpAuthError);
    expect(outcome.error.message).toMatch(/FMP_API_KEY/);
    expect(outcome.error.message).toMatch(/^AAPL historical-chart\/1min 2024-03-11\.\.2024-03-11: /);
  });

  it('the legacy 403 stops with an auth error naming the /stable fix', () => {
    const outcome = errorOf(
      classify(
        403,
        '{"Error Message": "Legacy Endpoint : Due to Legacy endpoints being no longer supported"}',
      ),
    );
    expect(outcome.error).toBeInstanceOf(FmpAuthError);
    expect(outcome.error.message).toMatch(/\/stable/);
  });

  it('an "Invalid API KEY" body is an auth error even with status 200', () => {
    expect(errorOf(classify(200, '{"Error Message": "Invalid API KEY."}')).error).toBeInstanceOf(
      FmpAuthError,
    );
  });

  it('never quotes the key a server echoed back', () => {
    const outcome = errorOf(classify(401, `{"Error Message": "Invalid API KEY ${API_KEY}"}`));
    expect(outcome.error.message).not.toContain(API_KEY);
    const transient = classify(503, `upstream error for apikey=${API_KEY}`);
    expect(transient.kind).toBe('transient');
    expect(JSON.stringify(transient)).not.toContain(API_KEY);
  });
});

describe('classifyResponse: plan gates (402)', () => {
  it('the symbol gate skips the symbol and disables nothing', () => {
    const outcome = errorOf(
      classify(
        402,
        "Premium Query Parameter: 'Special Endpoint : This value set for 'symbol' is not available under your current subscription",
        { ...intraday, symbol: 'SHOP.TO', label: 'SHOP.TO historical-chart/1min' },
      ),
    );
    expect(outcome.error).toBeInstanceOf(FmpSymbolNotInPlanError);
    expect(outcome.error).toMatchObject({ kind: 'symbol-not-in-plan', symbol: 'SHOP.TO', status: 402 });
    expect(outcome.disable).toBeUndefined();
  });

  it('Restricted Endpoint disables the endpoint for the run', () => {
    const outcome = errorOf(
      classify(402, 'Restricted Endpoint: This endpoint is not available under your current subscription'),
    );
    expect(outcome.error).toBeInstanceOf(FmpEndpointNotInPlanError);
    expect(outcome.error.message).toMatch(
      /historical-chart\/1min is not in this FMP plan .*disabled for this run/,
    );
    expect(outcome.disable).toEqual({
      key: 'historical-chart/1min',
      because: expect.stringMatching(/^402: "/),
    });
  });

  it('a gated parameter disables only calls that send it', () => {
    const outcome = errorOf(
      classify(
        402,
        "Premium Query Parameter: 'Special Parameters : The value for 'extended' is not available under your current subscription",
      ),
    );
    expect(outcome.error).toBeInstanceOf(FmpEndpointNotInPlanError);
    expect(outcome.disable?.key).toBe('historical-chart/1min extended');
  });

  it('a call without a symbol is never skipped as a symbol: its endpoint is disabled', () => {
    const outcome = errorOf(classify(402, "Premium Query Parameter: the value for 'symbol'", stockList));
    expect(outcome.error).toBeInstanceOf(FmpEndpointNotInPlanError);
    expect(outcome.disable?.key).toBe('stock-list');
  });
});

describe('classifyResponse: bad requests and server failures', () => {
  it('400 and 404 are bad requests, 404 naming FMP_BASE_URL', () => {
    const bad = errorOf(classify(400, 'Query Error: Invalid or missing query parameter - symbol'));
    expect(bad.error).toBeInstanceOf(FmpBadRequestError);
    expect(bad.error.message).toMatch(/FMP rejected the request \(400: "Query Error/);
    const notFound = errorOf(classify(404, '[]'));
    expect(notFound.error).toBeInstanceOf(FmpBadRequestError);
    expect(notFound.error.message).toMatch(/check FMP_BASE_URL\) \(404\)$/);
  });

  it('5xx and other unexpected statuses are transient, quoting a text body', () => {
    expect(classify(503, 'Service Unavailable')).toEqual({
      kind: 'transient',
      reason: 'HTTP 503: "Service Unavailable"',
    });
    expect(classify(502, '')).toEqual({ kind: 'transient', reason: 'HTTP 502' });
    expect(classify(500, '[]')).toEqual({ kind: 'transient', reason: 'HTTP 500' });
    expect(classify(304, '')).toEqual({ kind: 'transient', reason: 'HTTP 304' });
  });

  it('an `Error Message` FMP does not name a gate for is transient, whatever the status', () => {
    expect(classify(200, '{"Error Message": "Something broke"}')).toEqual({
      kind: 'transient',
      reason: 'HTTP 200: "Something broke"',
    });
  });
});

describe('errorMessageOf', () => {
  it("reads an object body's `Error Message` after leading whitespace, at any status", () => {
    expect(errorMessageOf(200, Buffer.from(' \r\n\t{"Error Message": "Limit Reach"}'))).toBe('Limit Reach');
    expect(errorMessageOf(500, Buffer.from('{"Error Message": 42}'))).toBe('42');
  });

  it('reads a non-2xx plain-text body, trimmed and cut at 500 characters; never an array body', () => {
    expect(errorMessageOf(503, Buffer.from('  <html>busy</html>\n'))).toBe('<html>busy</html>');
    expect(errorMessageOf(503, Buffer.from('x'.repeat(900)))).toHaveLength(500);
    expect(errorMessageOf(503, Buffer.from('[1]'))).toBeUndefined();
    expect(errorMessageOf(200, Buffer.from('plain text'))).toBeUndefined();
    expect(errorMessageOf(503, Buffer.alloc(0))).toBeUndefined();
  });
});

describe('retryAfterMs', () => {
  const now = Date.UTC(2024, 2, 11, 14, 0, 0);
  it('reads seconds and HTTP dates, never negative; nothing usable gives undefined', () => {
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs([' 2 ', '9'], now)).toBe(2000);
    expect(retryAfterMs('Mon, 11 Mar 2024 14:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Mon, 11 Mar 2024 13:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
  });
});
