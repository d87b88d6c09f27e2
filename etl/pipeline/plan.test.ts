import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { cutWindows, parseDatasets, planWindows, splitTruncatedWindow, subtractRanges } from './plan.ts';

describe('cutWindows', () => {
  it('covers a Monday–Friday week with one 5-day 1min window', () => {
    expect(cutWindows('2024-03-04', '2024-03-08', 5)).toEqual([
      { from: '2024-03-04', to: '2024-03-08', sessions: 5 },
    ]);
  });

  it('starts and ends windows on sessions and skips weekends and holidays', () => {
    // 2024-03-29 is Good Friday; 2024-03-30/31 a weekend.
    expect(cutWindows('2024-03-27', '2024-04-05', 5)).toEqual([
      { from: '2024-03-27', to: '2024-03-28', sessions: 2 },
      { from: '2024-04-01', to: '2024-04-05', sessions: 5 },
    ]);
  });

  it('returns nothing for a range without sessions', () => {
    expect(cutWindows('2024-12-25', '2024-12-25', 5)).toEqual([]);
    expect(cutWindows('2024-03-09', '2024-03-10', 5)).toEqual([]);
  });

  it('honours a session cap', () => {
    const windows = cutWindows('2024-01-02', '2024-01-31', 365, 10);
    expect(windows.map((w) => w.sessions)).toEqual([10, 10, 1]);
  });

  it('never spans more calendar days than allowed', () => {
    for (const days of [1, 3, 5, 7, 14, 30]) {
      const windows = cutWindows('2024-01-01', '2024-12-31', days);
      for (const w of windows) {
        const span = (Date.parse(w.to) - Date.parse(w.from)) / 86_400_000 + 1;
        expect(span).toBeLessThanOrEqual(days);
      }
      expect(windows.reduce((n, w) => n + w.sessions, 0)).toBe(252);
    }
  });
});

describe('subtractRanges', () => {
  it('cuts holes out of a range', () => {
    expect(
      subtractRanges(
        ['2024-01-01', '2024-01-31'],
        [
          ['2024-01-10', '2024-01-12'],
          ['2023-12-01', '2024-01-02'],
        ],
      ),
    ).toEqual([
      ['2024-01-03', '2024-01-09'],
      ['2024-01-13', '2024-01-31'],
    ]);
  });
});

describe('planWindows', () => {
  const base = {
    symbols: ['AAPL', 'MSFT'],
    intervals: ['1min'] as const,
    datasets: ['bars'] as const,
    stored: [],
    failedWindows: [],
  };

  it('plans every session from --from to --to for a new series, oldest dates first', () => {
    const plan = planWindows({ ...base, from: '2024-03-04', to: '2024-03-15' });
    expect(plan.windows.map((w) => `${w.symbol} ${w.from}..${w.to}`)).toEqual([
      'AAPL 2024-03-04..2024-03-08',
      'MSFT 2024-03-04..2024-03-08',
      'AAPL 2024-03-11..2024-03-15',
      'MSFT 2024-03-11..2024-03-15',
    ]);
    expect(plan.sessions).toBe(20);
  });

  it('starts after the watermark and plans nothing when current', () => {
    const stored = [
      {
        dataset: 'bars',
        symbol: 'AAPL',
        interval: '1min',
        from: '2024-03-04',
        to: '2024-03-13',
      },
      {
        dataset: 'bars',
        symbol: 'MSFT',
        interval: '1min',
        from: '2024-03-04',
        to: '2024-03-15',
      },
    ] as const;
    const plan = planWindows({ ...base, to: '2024-03-15', stored: [...stored] });
    expect(plan.windows.map((w) => `${w.symbol} ${w.from}..${w.to}`)).toEqual([
      'AAPL 2024-03-14..2024-03-15',
    ]);
    const current = planWindows({ ...base, to: '2024-03-13', stored: [...stored] });
    expect(current.windows).toEqual([]);
  });

  it('fetches history before the first stored session when --from reaches back', () => {
    const plan = planWindows({
      ...base,
      symbols: ['AAPL'],
      from: '2024-02-26',
      to: '2024-03-15',
      stored: [
        {
          dataset: 'bars',
          symbol: 'AAPL',
          interval: '1min',
          from: '2024-03-04',
          to: '2024-03-15',
        },
      ],
    });
    expect(plan.windows.map((w) => `${w.from}..${w.to}`)).toEqual(['2024-02-26..2024-03-01']);
  });

  it('puts failed windows first and does not plan them twice', () => {
    const plan = planWindows({
      ...base,
      symbols: ['AAPL'],
      to: '2024-03-15',
      stored: [
        {
          dataset: 'bars',
          symbol: 'AAPL',
          interval: '1min',
          from: '2024-03-04',
          to: '2024-03-06',
        },
      ],
      failedWindows: [
        { dataset: 'bars', symbol: 'AAPL', interval: '1min', from: '2024-03-07', to: '2024-03-08' },
        { dataset: 'bars', symbol: 'ZZZZ', interval: '1min', from: '2024-03-07', to: '2024-03-08' },
      ],
    });
    expect(plan.windows.map((w) => `${w.from}..${w.to} ${w.retry}`)).toEqual([
      '2024-03-07..2024-03-08 true',
      '2024-03-11..2024-03-15 false',
    ]);
  });

  it('sizes windows per interval and plans daily, splits and dividends once per series', () => {
    const plan = planWindows({
      ...base,
      symbols: ['AAPL'],
      intervals: ['1min', '1hour'],
      datasets: ['bars', 'eod_bars', 'splits', 'dividends'],
      from: '2024-01-01',
      to: '2024-03-28',
    });
    const count = (dataset: string, interval: string) =>
      plan.windows.filter((w) => w.dataset === dataset && w.interval === interval).length;
    expect(count('bars', '1min')).toBe(13);
    expect(count('bars', '1hour')).toBe(3);
    expect(count('eod_bars', '')).toBe(1);
    expect(count('splits', '')).toBe(1);
    expect(count('dividends', '')).toBe(1);
    const again = planWindows({
      ...base,
      symbols: ['AAPL'],
      datasets: ['splits'],
      to: '2024-03-28',
      stored: [
        {
          dataset: 'splits',
          symbol: 'AAPL',
          interval: '',
          from: '2024-03-28',
          to: '2024-03-28',
        },
      ],
    });
    expect(again.windows).toEqual([]);
  });

  it('retries only the parts of a failed window not stored since', () => {
    const plan = planWindows({
      ...base,
      symbols: ['AAPL'],
      to: '2024-03-08',
      stored: [{ dataset: 'bars', symbol: 'AAPL', interval: '1min', from: '2024-03-07', to: '2024-03-08' }],
      failedWindows: [
        { dataset: 'bars', symbol: 'AAPL', interval: '1min', from: '2024-03-04', to: '2024-03-08' },
      ],
    });
    expect(plan.windows.map((w) => `${w.from}..${w.to} ${w.retry}`)).toEqual(['2024-03-04..2024-03-06 true']);
  });

  it('defaults a new series to the last 30 days', () => {
    const plan = planWindows({ ...base, symbols: ['AAPL'], to: '2024-03-28' });
    expect(plan.windows[0]!.from).toBe('2024-02-28');
    expect(plan.windows.at(-1)!.to).toBe('2024-03-28');
  });
});

describe('splitTruncatedWindow', () => {
  const window = {
    dataset: 'bars',
    symbol: 'A',
    interval: '1min',
    from: '2024-03-04',
    to: '2024-03-08',
  } as const;

  it('keeps the sessions after the oldest one and refetches the rest, oldest included', () => {
    expect(splitTruncatedWindow(window, '2024-03-06')).toEqual({
      covered: { from: '2024-03-07', to: '2024-03-08' },
      remainder: { from: '2024-03-04', to: '2024-03-06' },
    });
  });

  it('keeps the last session when only it came back, so the remainder shrinks', () => {
    expect(splitTruncatedWindow(window, '2024-03-08')).toEqual({
      covered: { from: '2024-03-08', to: '2024-03-08' },
      remainder: { from: '2024-03-04', to: '2024-03-07' },
    });
  });

  it('reports a whole window as covered', () => {
    expect(splitTruncatedWindow(window, '2024-03-04')).toEqual({
      covered: { from: '2024-03-04', to: '2024-03-08' },
      remainder: undefined,
    });
  });

  it('reports a window opening on a holiday whose data starts with the next session as whole', () => {
    // 2024-01-15 is Martin Luther King Jr. Day: the window's first session is 2024-01-16.
    const holiday = { ...window, from: '2024-01-15', to: '2024-01-19' };
    expect(splitTruncatedWindow(holiday, '2024-01-16')).toEqual({
      covered: { from: '2024-01-15', to: '2024-01-19' },
      remainder: undefined,
    });
    expect(splitTruncatedWindow(holiday, '2024-01-17')).toEqual({
      covered: { from: '2024-01-18', to: '2024-01-19' },
      remainder: { from: '2024-01-15', to: '2024-01-17' },
    });
  });
});

describe('parseDatasets', () => {
  it('accepts repeated and comma-separated names', () => {
    expect(parseDatasets(['bars,eod_bars', 'eod_bars'])).toEqual(['bars', 'eod_bars']);
  });
  it('takes the earlier names intraday and daily for bars and eod_bars', () => {
    expect(parseDatasets(['intraday,daily,splits', 'bars'])).toEqual(['bars', 'eod_bars', 'splits']);
  });
  it('rejects an unknown dataset naming the choices', () => {
    expect(() => parseDatasets(['quotes'])).toThrow(UsageError);
    expect(() => parseDatasets(['quotes'])).toThrow(/bars, eod_bars, splits, dividends/);
  });
});
