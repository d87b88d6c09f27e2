import { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { sessionOn } from '../core/calendar.ts';
import { nyWallFormat } from '../core/testing/ny-wall-format.ts';
import type { FmpIntradayColumns } from '../extract/fmp-types.ts';
import { barColumnsOf } from './bar-batch-schema.ts';
import { fixtureIntradayColumns } from './testing/intraday-fixture.ts';
import { transformIntraday } from './transform-intraday.ts';

/** The New York wall clock of a UTC instant per the tz database, fields read as UTC. */
function intlWallMs(utcMs: number): number {
  const p = Object.fromEntries(nyWallFormat.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!);
}

function columnsOf(
  rows: { wall: number; o: number; h: number; l: number; c: number; v: number }[],
): FmpIntradayColumns {
  return {
    length: rows.length,
    wallMs: Float64Array.from(rows, (r) => r.wall),
    open: Float64Array.from(rows, (r) => r.o),
    high: Float64Array.from(rows, (r) => r.h),
    low: Float64Array.from(rows, (r) => r.l),
    close: Float64Array.from(rows, (r) => r.c),
    volume: Float64Array.from(rows, (r) => r.v),
  };
}
const bar = (wall: number, o = 10, v = 100) => ({ wall, o, h: o + 1, l: o - 1, c: o + 0.5, v });

describe('transformIntraday', () => {
  it.each([
    ['spring forward', '2024-03-07', '2024-03-12'],
    ['fall back', '2024-10-31', '2024-11-05'],
    ['spring forward 2025', '2025-03-06', '2025-03-11'],
  ])('converts New York wall time to UTC across the %s weekend like the tz database', (_, from, to) => {
    const input = fixtureIntradayColumns('AAPL', '1min', from, to);
    const out = transformIntraday({ symbol: 'AAPL', interval: '1min', from, to }, input, { loadId: 7 });
    const c = barColumnsOf(out.batch);
    expect(out.quarantined).toEqual([]);
    expect(c.length).toBe(input.length);
    const offsets = new Set<number>();
    for (let k = 0; k < c.length; k++) {
      const startMs = Number(c.barStartAt[k]) / 1000;
      expect(intlWallMs(startMs)).toBe(input.wallMs[input.length - 1 - k]);
      offsets.add(startMs - input.wallMs[input.length - 1 - k]!);
    }
    // both sides of the switch are present: EST (5 h) and EDT (4 h)
    expect([...offsets].sort()).toEqual([4 * 3_600_000, 5 * 3_600_000]);
  });

  it('returns bars ascending with bar ends on the grid and the session date, including an early close', () => {
    const input = fixtureIntradayColumns('MSFT', '1hour', '2024-11-27', '2024-11-29');
    const out = transformIntraday(
      { symbol: 'MSFT', interval: '1hour', from: '2024-11-27', to: '2024-11-29' },
      input,
      { loadId: 1 },
    );
    const c = barColumnsOf(out.batch);
    for (let k = 1; k < c.length; k++) expect(c.barStartAt[k]! > c.barStartAt[k - 1]!).toBe(true);
    const friday = sessionOn('2024-11-29')!;
    const lastStart = Number(c.barStartAt[c.length - 1]) / 1000;
    const lastEnd = Number(c.barEndAt[c.length - 1]) / 1000;
    expect(lastEnd).toBe(friday.closeAt);
    expect(lastEnd - lastStart).toBe(30 * 60_000);
    const fridayDay = Date.UTC(2024, 10, 29) / 86_400_000;
    expect(Array.from(c.sessionDate).filter((d) => d === fridayDay).length).toBe(4); // 09:30 … 12:30
  });

  it('sorts input that is not in FMP order and drops exact duplicates', () => {
    const wall = (h: number, m: number) => Date.UTC(2024, 2, 11, h, m);
    const rows = [
      bar(wall(9, 31), 11),
      bar(wall(9, 33), 13),
      bar(wall(9, 30), 10),
      bar(wall(9, 31), 11),
      bar(wall(9, 32), 12),
    ];
    const out = transformIntraday(
      { symbol: 'X', interval: '1min', from: '2024-03-11', to: '2024-03-11' },
      columnsOf(rows),
      { loadId: 1 },
    );
    const c = barColumnsOf(out.batch);
    expect(Array.from(c.open)).toEqual([10, 11, 12, 13]);
    expect(out.duplicatesDropped).toBe(1);
    expect(out.quarantined).toEqual([]);
  });

  it('quarantines bad rows with a reason instead of dropping them', () => {
    const rows = [
      bar(Date.UTC(2024, 2, 11, 9, 30)),
      { ...bar(Date.UTC(2024, 2, 11, 9, 31)), h: 5 }, // high below open
      { ...bar(Date.UTC(2024, 2, 11, 9, 32)), o: Number.NaN },
      { ...bar(Date.UTC(2024, 2, 11, 9, 33)), v: -1 },
      bar(Date.UTC(2024, 2, 9, 10, 0)), // Saturday
      bar(Date.UTC(2024, 2, 12, 9, 30)), // after the window
      bar(Date.UTC(2024, 2, 11, 9, 30), 20), // same start, other values
    ];
    const out = transformIntraday(
      { symbol: 'X', interval: '1min', from: '2024-03-09', to: '2024-03-11' },
      columnsOf(rows),
      { loadId: 1 },
    );
    expect(out.batch.numRows).toBe(1);
    const reasons = out.quarantined.map((q) => `${q.label} ${q.reason}`);
    expect(reasons).toHaveLength(6);
    expect(reasons.join('\n')).toMatch(/2024-03-11 09:31:00 high is below/);
    expect(reasons.join('\n')).toMatch(/2024-03-11 09:32:00 price is not a finite number/);
    expect(reasons.join('\n')).toMatch(/2024-03-11 09:33:00 volume is negative/);
    expect(reasons.join('\n')).toMatch(/2024-03-09 10:00:00 2024-03-09 is not a trading session/);
    expect(reasons.join('\n')).toMatch(/2024-03-12 09:30:00 bar on 2024-03-12 is outside the window/);
    expect(reasons.join('\n')).toMatch(/2024-03-11 09:30:00 conflicting duplicate/);
  });

  it('gives an empty batch for a window whose only day is a holiday', () => {
    // MLK day 2024-01-15: no session, so the fixture has no bars and the transform quarantines nothing.
    const holiday = { symbol: 'X', interval: '1min' as const, from: '2024-01-15', to: '2024-01-15' };
    const empty = transformIntraday(
      holiday,
      fixtureIntradayColumns('X', '1min', '2024-01-15', '2024-01-15'),
      {
        loadId: 1,
      },
    );
    expect(empty.batch.numRows).toBe(0);
    expect(empty.quarantined).toEqual([]);
  });

  it('builds batches of one schema that combine into a table', () => {
    const a = transformIntraday(
      { symbol: 'A', interval: '5min', from: '2024-03-11', to: '2024-03-11' },
      fixtureIntradayColumns('A', '5min', '2024-03-11', '2024-03-11'),
      { loadId: 3 },
    );
    const b = transformIntraday(
      { symbol: 'B', interval: '5min', from: '2024-03-11', to: '2024-03-11' },
      fixtureIntradayColumns('B', '5min', '2024-03-11', '2024-03-11'),
      { loadId: 3 },
    );
    const table = new Table([a.batch, b.batch]);
    expect(table.numRows).toBe(156);
    expect(table.get(0)?.symbol).toBe('A');
    expect(table.get(78)?.symbol).toBe('B');
    expect(table.get(100)?.load_id).toBe(3n);
  });
});
