import { describe, expect, it } from 'vitest';
import type { WindowState } from '../load/etl-ledger.ts';
import { planWindows } from './plan.ts';
import { planInputsOf } from './run-etl.ts';

const state = (dataset: string, interval: string, status: WindowState['status']): WindowState =>
  ({
    dataset,
    symbol: 'AAPL',
    interval,
    from: '2024-03-04',
    to: '2024-03-08',
    status,
    attempts: 1,
    rowCount: 0,
    quarantinedCount: 0,
    loadId: 1,
    error: null,
    updatedAt: 0,
  }) as WindowState;

describe('planInputsOf', () => {
  it('plans from the window states as the ledger stores them, and skips what it does not know', () => {
    const { stored, failed } = planInputsOf([
      state('bars', '1min', 'loaded'),
      state('eod_bars', '', 'empty'),
      state('splits', '', 'failed'),
      state('bars', '2min', 'loaded'),
      state('quotes', '', 'loaded'),
    ]);
    const key = (dataset: string, interval: string) => ({
      dataset,
      symbol: 'AAPL',
      interval,
      from: '2024-03-04',
      to: '2024-03-08',
    });
    expect(stored).toEqual([key('bars', '1min'), key('eod_bars', '')]);
    expect(failed).toEqual([key('splits', '')]);
    // what is stored is not planned again
    const plan = planWindows({
      symbols: ['AAPL'],
      intervals: ['1min'],
      datasets: ['bars', 'eod_bars'],
      from: '2024-03-04',
      to: '2024-03-08',
      stored,
      failedWindows: failed,
    });
    expect(plan.windows).toEqual([]);
  });
});
