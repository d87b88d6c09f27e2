import { describe, expect, it } from 'vitest';
import { INTRADAY_INTERVALS } from '../core/intervals.ts';
import { fmpDateTimeToUtcMs } from '../core/time.ts';
import { simIntradayBars, simIntradayColumns } from './sim-intraday.ts';
import { symbolProfile } from './sim-symbols.ts';

// A fixed clock reading long after the test days, so every bar of them has ended.
const LATER = Date.UTC(2025, 5, 2, 12);
const opts = { nowMs: LATER };

const isCents = (x: number) => Math.abs(Math.round(x * 100) - x * 100) < 1e-6;
const timeOf = (label: string) => label.slice(11);

function findSymbol(test: (symbol: string) => boolean): string {
  for (let i = 0; i < 2000; i++) if (test(`T${i}`)) return `T${i}`;
  throw new Error('no symbol with that property among T0…T1999');
}

describe('simIntradayBars', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = simIntradayBars('MSFT', '5min', '2024-06-03', '2024-06-04', { ...opts, seed: 7 });
    const b = simIntradayBars('MSFT', '5min', '2024-06-03', '2024-06-04', { ...opts, seed: 7 });
    const c = simIntradayBars('MSFT', '5min', '2024-06-03', '2024-06-04', { ...opts, seed: 8 });
    expect(b).toEqual(a);
    expect(c.map((r) => r.close)).not.toEqual(a.map((r) => r.close));
  });

  it('keeps OHLC consistent, prices in cents and volumes positive integers on every interval', () => {
    for (const symbol of ['AAPL', 'XOM', findSymbol((s) => symbolProfile(s, 1).thin)]) {
      for (const interval of INTRADAY_INTERVALS) {
        const bars = simIntradayBars(symbol, interval, '2024-03-04', '2024-03-08', {
          ...opts,
          extended: true,
        });
        expect(bars.length).toBeGreaterThan(0);
        const broken = bars.filter(
          (b) =>
            !(b.low <= Math.min(b.open, b.close) && b.high >= Math.max(b.open, b.close)) ||
            ![b.open, b.high, b.low, b.close].every((p) => p > 0 && isCents(p)) ||
            !(Number.isInteger(b.volume) && b.volume > 0),
        );
        expect(broken, `${symbol} ${interval}`).toEqual([]);
      }
    }
  });

  it('serves the regular session 09:30–15:59 on FMP’s grid by default', () => {
    const day = '2024-06-05';
    const minutes = simIntradayBars('AAPL', '1min', day, day, opts);
    expect(minutes).toHaveLength(390);
    expect(timeOf(minutes[0].date)).toBe('09:30:00');
    expect(timeOf(minutes[389].date)).toBe('15:59:00');
    expect(timeOf(simIntradayBars('AAPL', '5min', day, day, opts).at(-1)!.date)).toBe('15:55:00');
    expect(simIntradayBars('AAPL', '1hour', day, day, opts).map((b) => timeOf(b.date))).toEqual([
      '09:30:00',
      '10:30:00',
      '11:30:00',
      '12:30:00',
      '13:30:00',
      '14:30:00',
      '15:30:00',
    ]);
    expect(simIntradayBars('AAPL', '4hour', day, day, opts).map((b) => timeOf(b.date))).toEqual([
      '09:30:00',
      '12:30:00',
    ]);
  });

  it('aggregates higher intervals from the one-minute bars', () => {
    const day = '2024-06-05';
    const minutes = simIntradayBars('AAPL', '1min', day, day, opts);
    const hours = simIntradayBars('AAPL', '1hour', day, day, opts);
    const last = minutes.filter((m) => m.date >= `${day} 15:30:00`);
    const lastHour = hours.at(-1)!;
    expect(lastHour.open).toBe(last[0].open);
    expect(lastHour.close).toBe(last.at(-1)!.close);
    expect(lastHour.high).toBe(Math.max(...last.map((m) => m.high)));
    expect(lastHour.low).toBe(Math.min(...last.map((m) => m.low)));
    expect(lastHour.volume).toBe(last.reduce((sum, m) => sum + m.volume, 0));
  });

  it('labels bars in New York wall time on both DST switch days', () => {
    for (const [day, openUtc] of [
      ['2024-03-11', Date.UTC(2024, 2, 11, 13, 30)],
      ['2024-11-04', Date.UTC(2024, 10, 4, 14, 30)],
    ] as const) {
      const bars = simIntradayBars('AAPL', '1min', day, day, opts);
      expect(bars).toHaveLength(390);
      expect(fmpDateTimeToUtcMs(bars[0].date)).toBe(openUtc);
      // 30 s after 10:00 New York only the 30 bars 09:30–09:59 have ended.
      const live = simIntradayBars('AAPL', '1min', day, day, { nowMs: openUtc + 30 * 60_000 + 30_000 });
      expect(live).toHaveLength(30);
      expect(timeOf(live.at(-1)!.date)).toBe('09:59:00');
    }
  });

  it('ends early closes at 12:59 and has nothing on holidays and weekends', () => {
    const early = simIntradayBars('AAPL', '1min', '2024-11-29', '2024-11-29', opts);
    expect(early).toHaveLength(210);
    expect(timeOf(early.at(-1)!.date)).toBe('12:59:00');
    expect(
      simIntradayBars('AAPL', '4hour', '2024-11-29', '2024-11-29', opts).map((b) => timeOf(b.date)),
    ).toEqual(['09:30:00', '12:30:00']);
    expect(simIntradayBars('AAPL', '1min', '2024-12-25', '2024-12-25', opts)).toEqual([]);
    expect(simIntradayBars('AAPL', '1min', '2024-12-21', '2024-12-22', opts)).toEqual([]);
  });

  it('adds 04:00–19:59 with extended=true and leaves the regular bars unchanged', () => {
    const day = '2024-06-05';
    const regular = simIntradayBars('AAPL', '1min', day, day, opts);
    const extended = simIntradayBars('AAPL', '1min', day, day, { ...opts, extended: true });
    expect(timeOf(extended[0].date)).toBe('04:00:00');
    expect(timeOf(extended.at(-1)!.date)).toBe('19:59:00');
    expect(extended.length).toBeGreaterThan(900);
    expect(extended.length).toBeLessThanOrEqual(960);
    expect(extended.filter((b) => b.date >= `${day} 09:30:00` && b.date < `${day} 16:00:00`)).toEqual(
      regular,
    );
  });

  it('omits missing minutes of thin symbols instead of zero-filling them', () => {
    const thin = findSymbol((s) => symbolProfile(s, 1).thin);
    const bars = simIntradayBars(thin, '1min', '2024-06-05', '2024-06-05', opts);
    expect(bars.length).toBeGreaterThan(100);
    expect(bars.length).toBeLessThan(390);
    expect(bars.every((b) => b.volume > 0)).toBe(true);
  });

  it('serves split-adjusted history by default and raw prices with nonadjusted', () => {
    // AAPL split 4-for-1 on 2020-08-31 in the simulator, as it did.
    const day = '2020-08-28';
    const adjusted = simIntradayBars('AAPL', '1min', day, day, { ...opts, asOf: '2024-01-02' });
    const raw = simIntradayBars('AAPL', '1min', day, day, { ...opts, asOf: '2024-01-02', nonadjusted: true });
    const beforeSplit = simIntradayBars('AAPL', '1min', day, day, { ...opts, asOf: '2020-08-30' });
    expect(raw).toHaveLength(adjusted.length);
    for (let i = 0; i < raw.length; i++) {
      expect(Math.abs(raw[i].close - adjusted[i].close * 4)).toBeLessThanOrEqual(0.025);
      expect(raw[i].volume * 4).toBe(adjusted[i].volume);
    }
    expect(beforeSplit).toEqual(raw);
    const after = '2020-09-01';
    expect(simIntradayBars('AAPL', '1min', after, after, { ...opts, nonadjusted: true })).toEqual(
      simIntradayBars('AAPL', '1min', after, after, opts),
    );
  });

  it('keeps the newest rows under a row cap', () => {
    const all = simIntradayColumns('AAPL', '1hour', '2024-06-03', '2024-06-07', opts);
    const capped = simIntradayColumns('AAPL', '1hour', '2024-06-03', '2024-06-07', { ...opts, rowCap: 10 });
    expect(capped.length).toBe(10);
    expect(Array.from(capped.close)).toEqual(Array.from(all.close.subarray(all.length - 10)));
    expect(Array.from(capped.minute)).toEqual(Array.from(all.minute.subarray(all.length - 10)));
  });
});
