import { describe, expect, it } from 'vitest';
import { parseTickers, parseTickersOrThrow, tryNormalizeSymbol } from './symbols.ts';

describe('symbols', () => {
  it.each([
    ['MOG/A', 'MOG-A'],
    ['MOG.A', 'MOG-A'],
    ['mog a', 'MOG-A'],
    [' brk-b ', 'BRK-B'],
    ['SHOP.TO', 'SHOP.TO'],
    ['^GSPC', '^GSPC'],
    ['aapl', 'AAPL'],
  ])('normalises %j to %s', (raw, expected) => {
    expect(tryNormalizeSymbol(raw)).toEqual({ symbol: expected });
  });

  it.each(['A&B', 'AAPL;DROP', '../etc', 'A B C', 'TOOLONGSYMBOL1', ''])(
    'rejects %j with a reason',
    (raw) => {
      expect(tryNormalizeSymbol(raw)).toHaveProperty('reason');
    },
  );

  it('parses a tickers file with comments, blanks, case and duplicates', () => {
    const { symbols, problems } = parseTickers('# universe\naapl\n\nMSFT  # big\nAAPL\nMOG/A\n');
    expect(problems).toEqual([]);
    expect(symbols).toEqual(['AAPL', 'MSFT', 'MOG-A']);
  });

  it('reports every bad line with its number', () => {
    expect(() => parseTickersOrThrow('AAPL\nA&B\nMSFT\n$$$\n', 'tickers.txt')).toThrow(
      /tickers\.txt: 2 invalid line\(s\)[\s\S]*tickers\.txt:2:[\s\S]*tickers\.txt:4:/,
    );
  });
});
