import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { resolveEtlOptions } from './etl-options.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-options-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

// Wednesday 2024-03-13 12:00 New York (16:00 UTC): the last completed session is 2024-03-12.
const NOW = Date.UTC(2024, 2, 13, 16, 0);

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('resolveEtlOptions', () => {
  it('defaults to 1min, every dataset and the last completed session', () => {
    const options = resolveEtlOptions({ tickers: ['aapl,msft', 'AAPL'] }, NOW);
    expect(options).toMatchObject({
      symbols: ['AAPL', 'MSFT'],
      intervals: ['1min'],
      datasets: ['bars', 'eod_bars', 'splits', 'dividends'],
      from: undefined,
      to: '2024-03-12',
      dryRun: false,
    });
  });

  it('merges the tickers file and --tickers', () => {
    const tickers = file('good.txt', '# universe\nmsft\n\nbrk/b # class B\n');
    const options = resolveEtlOptions(
      { tickersFile: tickers, tickers: ['AAPL', 'MSFT'], interval: ['5min', '1hour'] },
      NOW,
    );
    expect(options.symbols).toEqual(['MSFT', 'BRK-B', 'AAPL']);
    expect(options.intervals).toEqual(['5min', '1hour']);
  });

  it('lists every malformed line of the tickers file with its number', () => {
    const tickers = file('bad.txt', 'AAPL\nA&B\n# fine\nMSFT\n../etc\n');
    const message = usageMessage(() => resolveEtlOptions({ tickersFile: tickers }, NOW));
    expect(message).toContain(`${tickers}:2:`);
    expect(message).toContain(`${tickers}:5:`);
    expect(message).not.toContain(`${tickers}:4:`);
  });

  it('reads a 150,000-line tickers file without overflowing the stack', () => {
    const letters = (n: number) => {
      let text = '';
      for (let k = n; ; k = Math.floor(k / 26) - 1) {
        text = String.fromCharCode(65 + (k % 26)) + text;
        if (k < 26) return text;
      }
    };
    const lines = Array.from({ length: 150_000 }, (_, i) => letters(i));
    const tickers = file('huge.txt', `${lines.join('\n')}\n`);
    const options = resolveEtlOptions({ tickersFile: tickers }, NOW);
    expect(options.symbols).toHaveLength(150_000);
    expect(options.symbols.slice(0, 3)).toEqual(['A', 'B', 'C']);
    expect(options.symbols.at(-1)).toBe(letters(149_999));
  });

  it('names a missing tickers file', () => {
    expect(usageMessage(() => resolveEtlOptions({ tickersFile: path.join(dir, 'nope.txt') }, NOW))).toMatch(
      /--tickers-file .*nope\.txt: cannot read it \(ENOENT\)/,
    );
  });

  it('asks for symbols when none are given', () => {
    expect(usageMessage(() => resolveEtlOptions({}, NOW))).toMatch(/--tickers-file FILE/);
  });

  it.each([
    [{ tickers: ['A'], interval: ['2min'] }, /unknown interval "2min": use one of 1min/],
    [{ tickers: ['A'], from: '2024-13-01' }, /--from "2024-13-01" is not a date: use YYYY-MM-DD/],
    [
      { tickers: ['A'], from: '2024-03-10', to: '2024-03-01' },
      /--from 2024-03-10 is after --to 2024-03-01: swap them/,
    ],
    [
      { tickers: ['A'], to: '2024-03-13' },
      /--to 2024-03-13 is after the last completed session \(2024-03-12\)/,
    ],
    [
      { tickers: ['A'], from: '1989-12-29' },
      /--from 1989-12-29 is outside the trading calendar \(1990-01-01 to 2099-12-31\)/,
    ],
    [{ tickers: ['A'], datasets: ['quotes'] }, /unknown dataset "quotes"/],
    [{ tickers: ['A'], concurrency: 0 }, /--concurrency 0: use a whole number from 1 to 64/],
    [{ tickers: ['A!'] }, /--tickers: "A!" is not a symbol/],
  ])('rejects %j', (args, message) => {
    expect(usageMessage(() => resolveEtlOptions(args, NOW))).toMatch(message);
  });
});
