import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { assertSameSource, describeSource, loadSourceOf, requireFmpSettings } from './load-source.ts';

describe('loadSourceOf', () => {
  it('records the FMP origin only: no key, credentials, path or query', () => {
    expect(
      loadSourceOf({ fmpBaseUrl: 'https://user:secret@financialmodelingprep.com/stable/?apikey=SECRET' }),
    ).toEqual({ id: 'https://financialmodelingprep.com', simulated: false });
  });

  it('names the built-in simulator with its seed when no base URL is set', () => {
    expect(loadSourceOf({})).toEqual({ id: 'simulator seed=1', simulated: true });
    expect(describeSource('simulator seed=1')).toBe('the built-in FMP simulator (synthetic data, seed 1)');
  });
});

describe('assertSameSource', () => {
  const writer = (sources: Array<string | null>) => ({ storedSources: async () => sources });
  const fmp = { id: 'https://financialmodelingprep.com', simulated: false };

  it('lets a run through into an empty warehouse, one of its own source, or one with unrecorded loads only', async () => {
    await expect(assertSameSource(writer([]), fmp, '/w')).resolves.toBeUndefined();
    await expect(assertSameSource(writer([fmp.id]), fmp, '/w')).resolves.toBeUndefined();
    await expect(assertSameSource(writer([null]), fmp, '/w')).resolves.toBeUndefined();
  });

  it('refuses another source with a ConfigError (exit 2) naming both and what to do', async () => {
    const refusal = assertSameSource(writer([null, 'simulator seed=1']), fmp, '/w');
    await expect(refusal).rejects.toBeInstanceOf(ConfigError);
    await expect(refusal).rejects.toThrow(
      'the warehouse /w holds data loaded from the built-in FMP simulator (synthetic data, seed 1); this run would load from FMP at https://financialmodelingprep.com. Nothing was written.',
    );
    await expect(refusal).rejects.toThrow(/set WAREHOUSE_DIR to another folder.*mqs warehouse reset --yes/);
  });
});

describe('requireFmpSettings', () => {
  it('refuses a scheduled run without a key or a base URL, naming what is missing', () => {
    expect(() => requireFmpSettings({}, 'mqs schedule')).toThrow(/FMP_API_KEY and FMP_BASE_URL are not set/);
    expect(() => requireFmpSettings({ fmpBaseUrl: 'http://127.0.0.1:8765' }, 'mqs schedule')).toThrow(
      /; FMP_API_KEY is not set/,
    );
    expect(() =>
      requireFmpSettings({ fmpApiKey: 'k'.repeat(8), fmpBaseUrl: 'https://x.example' }, 'mqs schedule'),
    ).not.toThrow();
  });
});
