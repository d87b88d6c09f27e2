import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { ConfigError } from './errors.ts';
import { scrubSecrets } from './secrets.ts';

describe('config', () => {
  it('defaults to the built-in simulator and the starter plan without a key', () => {
    const c = loadConfig({}, '/srv/mqs');
    expect(c.fmpApiKey).toBeUndefined();
    expect(c.fmpBaseUrl).toBeUndefined();
    expect(c.fmpPlan).toBe('starter');
    expect(c.rateLimitPerMin).toBe(300);
    expect(c.warehouseDir).toBe('/srv/mqs/warehouse');
  });

  it('uses FMP with a key, and the override of the plan rate', () => {
    const c = loadConfig({ FMP_API_KEY: 'k3y-abcdef', FMP_PLAN: 'ultimate', FMP_RATE_LIMIT_PER_MIN: '1200' });
    expect(c.fmpBaseUrl).toBe('https://financialmodelingprep.com');
    expect(c.rateLimitPerMin).toBe(1200);
  });

  it.each([
    [{ FMP_PLAN: 'gold' }, /^\.env: FMP_PLAN: must be one of basic, starter, premium, ultimate/],
    [{ FMP_BASE_URL: 'ftp://x' }, /^\.env: FMP_BASE_URL: must be an http\(s\) URL/],
    [{ FMP_RATE_LIMIT_PER_MIN: 'fast' }, /^\.env: FMP_RATE_LIMIT_PER_MIN: /],
    [{ FMP_CONCURRENCY: '0' }, /^\.env: FMP_CONCURRENCY: /],
  ])('rejects %j naming the key', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('registers the key so it is scrubbed from any text', () => {
    loadConfig({ FMP_API_KEY: 'sup3r-secret-key' });
    expect(scrubSecrets('GET /stable/quote?symbol=A&apikey=sup3r-secret-key failed: sup3r-secret-key')).toBe(
      'GET /stable/quote?symbol=A&apikey=*** failed: ***',
    );
  });
});
