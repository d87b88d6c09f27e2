import { describe, expect, it } from 'vitest';
import { estimatePlan, extendedBarsPerSession } from './dry-run.ts';
import type { Plan } from './plan.ts';

// One week of five sessions (2024-03-04 … 03-08), 1-minute and 1-hour bars, plus the daily series.
const plan: Plan = {
  windows: [
    {
      dataset: 'bars',
      symbol: 'AAPL',
      interval: '1min',
      from: '2024-03-04',
      to: '2024-03-08',
      sessions: 5,
      retry: false,
    },
    {
      dataset: 'bars',
      symbol: 'AAPL',
      interval: '1hour',
      from: '2024-03-04',
      to: '2024-03-08',
      sessions: 5,
      retry: false,
    },
    {
      dataset: 'eod_bars',
      symbol: 'AAPL',
      interval: '',
      from: '2024-03-04',
      to: '2024-03-08',
      sessions: 5,
      retry: false,
    },
  ],
  sessions: 15,
};
const rowsOf = (extended: boolean) =>
  Object.fromEntries(
    estimatePlan(plan, { rateLimitPerMin: 300, concurrency: 4, extended }).datasets.map((d) => [
      d.dataset,
      d.rows,
    ]),
  );

describe('estimatePlan', () => {
  it('counts the pre- and post-market bars of --extended (04:00–09:30 and four hours after the close)', () => {
    expect(extendedBarsPerSession('1min')).toBe(330 + 240);
    expect(extendedBarsPerSession('1hour')).toBe(6 + 4);
    expect(extendedBarsPerSession('4hour')).toBe(2 + 1);
    // regular hours: 390 one-minute and 7 one-hour bars a session
    expect(rowsOf(false)).toEqual({ bars: 5 * 390 + 5 * 7, eod_bars: 5 });
    expect(rowsOf(true)).toEqual({ bars: 5 * (390 + 570) + 5 * (7 + 10), eod_bars: 5 });
    const bytes = (extended: boolean) =>
      estimatePlan(plan, { rateLimitPerMin: 300, concurrency: 4, extended }).bytes;
    expect(bytes(true)).toBeGreaterThan(bytes(false));
  });
});
