import { describe, expect, it } from 'vitest';
import { simDividends } from './sim-dividends.ts';
import { simEodBars, simSplits } from './sim-eod.ts';
import { simIntradayBars } from './sim-intraday.ts';
import { simQuote } from './sim-quote.ts';
import { symbolProfile } from './sim-symbols.ts';

const LATER = Date.UTC(2025, 5, 2, 12);

function findSymbol(test: (symbol: string) => boolean): string {
  for (let i = 0; i < 2000; i++) if (test(`T${i}`)) return `T${i}`;
  throw new Error('no symbol with that property among T0…T1999');
}

describe('simEodBars', () => {
  it('is the regular-session aggregate of the one-minute bars, early close included', () => {
    for (const day of ['2024-06-05', '2024-11-29']) {
      const minutes = simIntradayBars('MSFT', '1min', day, day, { nowMs: LATER });
      const [bar] = simEodBars('MSFT', day, day, { nowMs: LATER });
      expect(bar.date).toBe(day);
      expect(bar.open).toBe(minutes[0].open);
      expect(bar.close).toBe(minutes.at(-1)!.close);
      expect(bar.high).toBe(Math.max(...minutes.map((m) => m.high)));
      expect(bar.low).toBe(Math.min(...minutes.map((m) => m.low)));
      expect(bar.volume).toBe(minutes.reduce((sum, m) => sum + m.volume, 0));
    }
  });

  it('adds up on the raw basis of a split symbol: 1-minute volumes sum to 5-minute and daily volumes', () => {
    const day = '2020-08-28'; // before AAPL's 4-for-1 split
    const raw = { nowMs: LATER, nonadjusted: true };
    const minutes = simIntradayBars('AAPL', '1min', day, day, raw);
    const fives = simIntradayBars('AAPL', '5min', day, day, raw);
    expect(fives[0].volume).toBe(minutes.slice(0, 5).reduce((sum, m) => sum + m.volume, 0));
    const [eod] = simEodBars('AAPL', day, day, { nowMs: LATER, adjustment: 'none' });
    expect(eod.volume).toBe(minutes.reduce((sum, m) => sum + m.volume, 0));
    expect(eod.close).toBe(minutes.at(-1)!.close);
  });

  it('computes change as close − open and changePercent in percent', () => {
    for (const bar of simEodBars('MSFT', '2024-01-01', '2024-03-01', { nowMs: LATER })) {
      expect(bar.change).toBeCloseTo(bar.close - bar.open, 8);
      expect(bar.changePercent).toBeCloseTo(((bar.close - bar.open) / bar.open) * 100, 4);
      expect(bar.vwap).toBeCloseTo((bar.open + bar.high + bar.low + bar.close) / 4, 4);
      expect(Object.keys(bar)).not.toContain('adjClose');
    }
  });

  it('has sessions only: no weekends or holidays, and nothing that has not closed yet', () => {
    const dates = simEodBars('MSFT', '2024-12-20', '2024-12-31', { nowMs: LATER }).map((b) => b.date);
    expect(dates).toEqual([
      '2024-12-20',
      '2024-12-23',
      '2024-12-24',
      '2024-12-26',
      '2024-12-27',
      '2024-12-30',
      '2024-12-31',
    ]);
    const beforeClose = Date.UTC(2024, 11, 31, 20, 59); // 15:59 New York
    expect(simEodBars('MSFT', '2024-12-30', '2024-12-31', { nowMs: beforeClose }).map((b) => b.date)).toEqual(
      ['2024-12-30'],
    );
  });

  it('answers dates outside the calendar (1990–2099) with what lies inside it, without failing', () => {
    expect(simEodBars('MSFT', '1989-12-01', '1990-01-04', { nowMs: LATER }).map((b) => b.date)).toEqual([
      '1990-01-02',
      '1990-01-03',
      '1990-01-04',
    ]);
    const end = Date.UTC(2100, 1, 1);
    expect(simEodBars('MSFT', '2099-12-30', '2100-01-31', { nowMs: end }).map((b) => b.date)).toEqual([
      '2099-12-30',
      '2099-12-31',
    ]);
    expect(simEodBars('MSFT', '2031-01-01', '2031-02-01', { nowMs: Date.UTC(2030, 0, 1) })).toEqual([]);
  });

  it('serves any session of 1990–2099: 1998 and 2040, continuous across years, plausible prices', () => {
    const late = Date.UTC(2100, 1, 1);
    for (const symbol of ['MSFT', 'S1', 'S2', 'S3', 'S4', 'S5']) {
      const y1998 = simEodBars(symbol, '1998-12-28', '1999-01-05', { nowMs: late, adjustment: 'none' });
      expect(y1998.map((b) => b.date)).toEqual([
        '1998-12-28',
        '1998-12-29',
        '1998-12-30',
        '1998-12-31',
        '1999-01-04',
        '1999-01-05',
      ]);
      // the year boundary is an ordinary overnight gap, not a jump to an unrelated level
      const gap = Math.abs(Math.log(y1998[4].open / y1998[3].close));
      expect(gap).toBeLessThan(0.1);
      const y2040 = simEodBars(symbol, '2040-03-01', '2040-03-31', { nowMs: late });
      expect(y2040).toHaveLength(21); // 22 weekdays less Good Friday, 2040-03-30
      for (const b of [...y1998, ...y2040]) {
        expect(b.low).toBeGreaterThan(0.5);
        expect(b.high).toBeLessThan(100_000);
      }
      expect(simEodBars(symbol, '2040-03-01', '2040-03-31', { nowMs: late })).toEqual(y2040);
    }
    const minutes = simIntradayBars('MSFT', '1min', '2040-03-01', '2040-03-01', { nowMs: late });
    expect(minutes).toHaveLength(390);
    expect(minutes[0].date).toBe('2040-03-01 09:30:00');
  });

  it('keeps the newest rows under a row cap', () => {
    const all = simEodBars('MSFT', '2024-01-01', '2024-12-31', { nowMs: LATER });
    expect(simEodBars('MSFT', '2024-01-01', '2024-12-31', { nowMs: LATER, rowCap: 5 })).toEqual(
      all.slice(-5),
    );
  });

  it('serves raw prices without split adjustment and lower prices with dividend adjustment', () => {
    const split = simEodBars('NVDA', '2024-06-07', '2024-06-07', { nowMs: LATER })[0];
    const raw = simEodBars('NVDA', '2024-06-07', '2024-06-07', { nowMs: LATER, adjustment: 'none' })[0];
    expect(Math.abs(raw.close - split.close * 10)).toBeLessThanOrEqual(0.06);
    const payer = findSymbol(
      (s) => symbolProfile(s, 1).dividend !== undefined && symbolProfile(s, 1).splits.length === 0,
    );
    const plain = simEodBars(payer, '2023-01-03', '2023-01-03', { nowMs: LATER })[0];
    const dividend = simEodBars(payer, '2023-01-03', '2023-01-03', {
      nowMs: LATER,
      adjustment: 'dividend',
    })[0];
    expect(dividend.close).toBeLessThan(plain.close);
  });
});

describe('simSplits and simDividends', () => {
  it('lists splits that happened by the as-of date', () => {
    expect(simSplits('NVDA', { asOf: '2024-01-01' })).toEqual([
      { symbol: 'NVDA', date: '2021-07-20', numerator: 4, denominator: 1 },
    ]);
    expect(simSplits('NVDA', { asOf: '2025-01-01' })).toHaveLength(2);
  });

  it('pays quarterly dividends with FMP fields, declared before the ex-date', () => {
    const payer = findSymbol((s) => symbolProfile(s, 1).dividend !== undefined);
    const rows = simDividends(payer, { asOf: '2024-12-31' });
    const in2023 = rows.filter((r) => r.date.startsWith('2023-'));
    expect(in2023).toHaveLength(4);
    for (const r of rows) {
      expect(r.frequency).toBe('Quarterly');
      expect(r.dividend).toBeGreaterThan(0);
      expect(r.declarationDate === '' || r.declarationDate < r.date).toBe(true);
      expect(r.paymentDate > r.date).toBe(true);
    }
    expect(rows.every((r) => r.declarationDate <= '2024-12-31')).toBe(true);
  });
});

describe('simQuote', () => {
  it('is frozen at the last close outside regular hours and live during them', () => {
    const afterClose = Date.UTC(2024, 5, 5, 22); // 18:00 New York
    const frozen = simQuote('MSFT', afterClose)!;
    const [eod] = simEodBars('MSFT', '2024-06-05', '2024-06-05', { nowMs: afterClose });
    expect(frozen.price).toBe(eod.close);
    expect(frozen.timestamp).toBe(Date.UTC(2024, 5, 5, 20) / 1000);
    const midday = Date.UTC(2024, 5, 5, 16, 0, 30); // 12:00:30 New York
    const live = simQuote('MSFT', midday)!;
    const minutes = simIntradayBars('MSFT', '1min', '2024-06-05', '2024-06-05', { nowMs: midday });
    expect(live.price).toBe(minutes.at(-1)!.close);
    expect(live.timestamp).toBe(Math.floor(midday / 1000));
    expect(live.change).toBeCloseTo(live.price - live.previousClose, 8);
  });
});
