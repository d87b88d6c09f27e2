import { describe, expect, it } from 'vitest';
import type { PlanEstimate } from '../../etl/pipeline/dry-run.ts';
import type { EtlSummary } from '../../etl/pipeline/run-summary.ts';
import { formatEstimate, formatSummary } from './etl-report.ts';

const summary: EtlSummary = {
  load_id: 7,
  source: 'simulator seed=1',
  synthetic: true,
  symbols: 2,
  to: '2024-03-15',
  datasets: [
    {
      dataset: 'bars',
      windows_loaded: 2,
      windows_empty: 0,
      windows_failed: 1,
      windows_skipped: 0,
      rows: 295,
      fetches: 3,
    },
    {
      dataset: 'eod_bars',
      windows_loaded: 1,
      windows_empty: 0,
      windows_failed: 0,
      windows_skipped: 1,
      rows: 5,
      fetches: 1,
    },
  ],
  rows: 300,
  requests: 9,
  retries: 5,
  http_429: 2,
  duration_s: 12.3,
  failed: [
    {
      dataset: 'bars',
      symbol: 'MSFT',
      interval: '1min',
      from: '2024-03-11',
      to: '2024-03-15',
      error: '503 after 5 attempts',
    },
  ],
  stopped_by: undefined,
  stopped_kind: undefined,
};

describe('formatSummary', () => {
  it('prints the datasets, the totals, the source and the failed windows', () => {
    const text = formatSummary(summary);
    expect(text.split('\n').slice(0, 3)).toEqual([
      'dataset   loaded  empty  failed  skipped  rows  fetches',
      'bars           2      0       1        0   295        3',
      'eod_bars       1      0       0        1     5        1',
    ]);
    expect(text).toContain('300 rows, 9 requests (5 retries, 2 answered 429) in 12s, load 7');
    expect(text).toContain('1 window(s) failed; the next run retries them first:');
    expect(text).toContain('bars MSFT 1min 2024-03-11..2024-03-15: 503 after 5 attempts');
    const daily = { ...summary.failed[0]!, dataset: 'eod_bars' as const, interval: '' };
    expect(formatSummary({ ...summary, failed: [daily] })).toContain(
      '  eod_bars MSFT 2024-03-11..2024-03-15: 503 after 5 attempts\n',
    );
    expect(text).toContain(
      'SYNTHETIC DATA: loaded from the built-in FMP simulator (synthetic data, seed 1), not from FMP',
    );
    expect(formatSummary({ ...summary, source: 'https://fmp.example', synthetic: false })).toContain(
      'source: FMP at https://fmp.example\n',
    );
  });

  it('says the warehouse is current when nothing was planned', () => {
    expect(formatSummary({ ...summary, datasets: [], failed: [] })).toMatch(
      /^nothing to fetch: the warehouse is current/,
    );
  });
});

describe('formatEstimate', () => {
  const estimate: PlanEstimate = {
    symbols: 2,
    requests: 4,
    sessions: 20,
    rows: 7800,
    bytes: 811_200,
    seconds: 0.8,
    rateLimitPerMin: 300,
    datasets: [{ dataset: 'bars', requests: 4, sessions: 20, rows: 7800, bytes: 811_200 }],
  };

  it('prints requests, sessions, time at the rate and the download', () => {
    expect(formatEstimate(estimate)).toContain(
      '2 symbol(s): 4 requests covering 20 sessions, about 1s at 300 requests/min, about 811.2 kB to download',
    );
  });

  it('says so when there is nothing to fetch', () => {
    expect(formatEstimate({ ...estimate, requests: 0, datasets: [] })).toMatch(/nothing to fetch/);
  });
});
