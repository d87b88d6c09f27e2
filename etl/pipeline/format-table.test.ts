import { describe, expect, it } from 'vitest';
import { formatDuration, formatTable } from './format-table.ts';

describe('formatTable', () => {
  it('prints every number of a column with the same decimals, right-aligned with separators', () => {
    const text = formatTable(
      ['symbol', 'close', 'volume'],
      [
        ['MSFT', 224, 64781331],
        ['NVDA', 1171, 4176348],
        ['AAPL', 335.58, 7363380],
      ],
    );
    expect(text.split('\n')).toEqual([
      'symbol  close     volume',
      'MSFT      224.00  64,781,331',
      'NVDA    1,171.00   4,176,348',
      'AAPL      335.58   7,363,380',
    ]);
  });

  it('formats durations', () => {
    expect([formatDuration(42), formatDuration(185), formatDuration(7800)]).toEqual([
      '42s',
      '3m05s',
      '2h10m',
    ]);
  });
});
