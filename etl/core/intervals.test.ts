import { describe, expect, it } from 'vitest';
import { sessionOn } from './calendar.ts';
import { barEndAt, barStartsOfSession, expectedBarCount, parseInterval } from './intervals.ts';
import { utcMsToFmpDateTime } from './time.ts';

const labels = (date: string, interval: Parameters<typeof barStartsOfSession>[1]) =>
  barStartsOfSession(sessionOn(date)!, interval).map(utcMsToFmpDateTime);

describe('bar grid', () => {
  it('has 390 one-minute bars on a full session and 210 on an early close', () => {
    expect(expectedBarCount(sessionOn('2024-03-11')!, '1min')).toBe(390);
    expect(expectedBarCount(sessionOn('2024-11-29')!, '1min')).toBe(210);
    expect(labels('2024-11-29', '1min').at(-1)).toBe('2024-11-29 12:59:00');
  });

  it('puts 1hour bars on the :30 grid with the last one cut at the close', () => {
    expect(labels('2024-03-11', '1hour')).toEqual([
      '2024-03-11 09:30:00',
      '2024-03-11 10:30:00',
      '2024-03-11 11:30:00',
      '2024-03-11 12:30:00',
      '2024-03-11 13:30:00',
      '2024-03-11 14:30:00',
      '2024-03-11 15:30:00',
    ]);
    const s = sessionOn('2024-03-11')!;
    expect(barEndAt(barStartsOfSession(s, '1hour')[6]!, '1hour', s)).toBe(s.closeAt);
  });

  it('puts 4hour bars at 09:30 and 12:30 like FMP', () => {
    expect(labels('2024-11-04', '4hour')).toEqual(['2024-11-04 09:30:00', '2024-11-04 12:30:00']);
    const s = sessionOn('2024-11-04')!;
    expect(barEndAt(s.openAt, '4hour', s)).toBe(barStartsOfSession(s, '4hour')[1]);
  });

  it('ends the last 5min bar at 16:00 and lets extended-hours bars run their length', () => {
    const s = sessionOn('2024-03-11')!;
    const last = barStartsOfSession(s, '5min').at(-1)!;
    expect(utcMsToFmpDateTime(last)).toBe('2024-03-11 15:55:00');
    expect(barEndAt(last, '5min', s)).toBe(s.closeAt);
    expect(barEndAt(s.closeAt + 60_000, '5min', s)).toBe(s.closeAt + 6 * 60_000);
  });

  it('rejects an unknown interval naming the valid ones', () => {
    expect(() => parseInterval('2min')).toThrow(/unknown interval "2min": use one of 1min, 5min/);
  });
});
