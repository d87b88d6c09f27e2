import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayOfWeek,
  fmpDateTimeToUtcMs,
  isIsoDate,
  nyDateOf,
  nyDateTimeToUtcMs,
  utcMsToFmpDateTime,
  utcMsToNyWallMs,
} from './time.ts';

const intlNy = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
function intlWallMs(utcMs: number): number {
  const p = Object.fromEntries(intlNy.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
}

describe('New York time', () => {
  it('agrees with the tz database on every 30 minutes from 2015 to 2027', () => {
    let mismatches = 0;
    for (let t = Date.UTC(2015, 0, 1); t < Date.UTC(2028, 0, 1); t += 30 * 60_000) {
      if (utcMsToNyWallMs(t) !== intlWallMs(t)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('converts FMP labels on the DST switch days (2024-03-11, 2024-11-04)', () => {
    expect(new Date(fmpDateTimeToUtcMs('2024-03-08 09:30:00')!).toISOString()).toBe(
      '2024-03-08T14:30:00.000Z',
    );
    expect(new Date(fmpDateTimeToUtcMs('2024-03-11 09:30:00')!).toISOString()).toBe(
      '2024-03-11T13:30:00.000Z',
    );
    expect(new Date(fmpDateTimeToUtcMs('2024-11-01 15:59:00')!).toISOString()).toBe(
      '2024-11-01T19:59:00.000Z',
    );
    expect(new Date(fmpDateTimeToUtcMs('2024-11-04 15:59:00')!).toISOString()).toBe(
      '2024-11-04T20:59:00.000Z',
    );
  });

  it('round-trips labels and rejects malformed ones', () => {
    const t = nyDateTimeToUtcMs('2024-11-04', 4, 0);
    expect(utcMsToFmpDateTime(t)).toBe('2024-11-04 04:00:00');
    expect(fmpDateTimeToUtcMs('2024-11-04T04:00:00')).toBeUndefined();
    expect(fmpDateTimeToUtcMs('2024-11-04')).toBeUndefined();
  });

  it('gives the New York date of a late-evening UTC instant', () => {
    expect(nyDateOf(Date.parse('2024-03-12T02:00:00Z'))).toBe('2024-03-11');
  });

  it('does not depend on the process time zone', () => {
    expect(process.env.TZ).not.toBe('UTC');
    expect(new Date(2024, 0, 1).getTimezoneOffset()).not.toBe(0);
  });
});

describe('ISO dates', () => {
  it('validates real dates only', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-1-01')).toBe(false);
  });
  it('adds days and knows the weekday', () => {
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
    expect(dayOfWeek('2024-03-10')).toBe(0);
  });
});
