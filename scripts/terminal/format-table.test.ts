import { describe, expect, it } from 'vitest';
import { formatTable } from './format-table.ts';

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

  it('prints NULL, a rule under the header and the row count when asked', () => {
    const text = formatTable(
      ['interval', 'note'],
      [
        ['00:01:00', null],
        ['1 day', 'x'],
      ],
      { rule: true, rowCount: true },
    );
    expect(text.split('\n')).toEqual([
      'interval  note',
      '--------  ----',
      '00:01:00  NULL',
      '1 day     x',
      '(2 rows)',
    ]);
    expect(formatTable(['n'], [['a']], { rowCount: true }).split('\n')).toEqual(['n', 'a', '(1 row)']);
    expect(formatTable(['n'], [], { rule: true, rowCount: true })).toBe('n\n-\n(0 rows)');
  });

  it('prints a table longer than the call stack allows arguments', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => [i % 7 === 0 ? 1.5 : i, 'x']);
    const lines = formatTable(['n', 's'], rows, { rowCount: true }).split('\n');
    expect(lines).toHaveLength(300_002);
    expect(lines.slice(1, 3)).toEqual(['      1.5  x', '      1.0  x']);
    expect(lines.at(-1)).toBe('(300000 rows)');
  });
});
