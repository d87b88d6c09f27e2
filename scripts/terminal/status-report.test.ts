import { describe, expect, it } from 'vitest';
import { DIED_RUN_STATUS, type WarehouseStatus } from '../../etl/pipeline/warehouse-status.ts';
import { formatStatus } from './status-report.ts';

const status: WarehouseStatus = {
  series: [
    {
      symbol: 'AAPL',
      interval: '1min',
      first_bar_at: '2024-03-04T14:30:00Z',
      last_bar_at: '2024-03-08T20:59:00Z',
      sessions_expected: 5,
      sessions_present: 5,
      sessions_short: 0,
      failed_windows: 0,
    },
  ],
  failed_windows: [],
  runs: [
    {
      load_id: 2,
      command: 'mqs etl',
      started_at: '2024-03-09T00:00:00Z',
      finished_at: '2024-03-09T00:01:00Z',
      status: 'ok',
      rows: 1950,
      failed: 0,
      source: 'simulator seed=1',
    },
    {
      load_id: 1,
      command: 'mqs etl',
      started_at: '2024-03-08T00:00:00Z',
      finished_at: null,
      status: DIED_RUN_STATUS,
      rows: null,
      failed: null,
      source: null,
    },
  ],
  sources: ['simulator seed=1'],
  etl_running: undefined,
};

describe('formatStatus', () => {
  it('prints the series, the data source and the last runs; a run that died is not shown as running', () => {
    const text = formatStatus(status);
    expect(text).toMatch(/^symbol +interval +first bar \(UTC\)/);
    expect(text).toContain('data source: the built-in FMP simulator (synthetic data, seed 1)');
    expect(text).toMatch(/\n +2 +mqs etl .* ok +1,950 +0 +simulator seed=1\n/);
    expect(text).toMatch(/\n +1 +mqs etl .* interrupted +- +- +-\n/);
    expect(text).not.toMatch(/running/);
  });

  it('says when the lake holds no bars yet', () => {
    expect(formatStatus({ ...status, series: [], runs: [] })).toBe(
      'no intraday bars in the lake yet (run mqs etl)\n\ndata source: the built-in FMP simulator (synthetic data, seed 1)\n',
    );
  });
});
