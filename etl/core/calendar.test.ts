import { describe, expect, it } from 'vitest';
import {
  earlyCloses,
  holidays,
  isTradingDay,
  lastCompletedSession,
  nextSession,
  previousSession,
  sessionAt,
  sessionOn,
  sessionsBetween,
} from './calendar.ts';

// The exchange's published lists (NYSE "Holidays & Trading Hours"), typed in by hand: an independent check of
// the rules in calendar.ts.
const PUBLISHED_HOLIDAYS: Record<number, string[]> = {
  2023: [
    '2023-01-02',
    '2023-01-16',
    '2023-02-20',
    '2023-04-07',
    '2023-05-29',
    '2023-06-19',
    '2023-07-04',
    '2023-09-04',
    '2023-11-23',
    '2023-12-25',
  ],
  2024: [
    '2024-01-01',
    '2024-01-15',
    '2024-02-19',
    '2024-03-29',
    '2024-05-27',
    '2024-06-19',
    '2024-07-04',
    '2024-09-02',
    '2024-11-28',
    '2024-12-25',
  ],
  2025: [
    '2025-01-01',
    '2025-01-09',
    '2025-01-20',
    '2025-02-17',
    '2025-04-18',
    '2025-05-26',
    '2025-06-19',
    '2025-07-04',
    '2025-09-01',
    '2025-11-27',
    '2025-12-25',
  ],
  2026: [
    '2026-01-01',
    '2026-01-19',
    '2026-02-16',
    '2026-04-03',
    '2026-05-25',
    '2026-06-19',
    '2026-07-03',
    '2026-09-07',
    '2026-11-26',
    '2026-12-25',
  ],
};
const PUBLISHED_EARLY_CLOSES: Record<number, string[]> = {
  2023: ['2023-07-03', '2023-11-24'],
  2024: ['2024-07-03', '2024-11-29', '2024-12-24'],
  2025: ['2025-07-03', '2025-11-28', '2025-12-24'],
  2026: ['2026-11-27', '2026-12-24'],
};

describe('trading calendar', () => {
  for (const year of [2023, 2024, 2025, 2026]) {
    it(`matches the exchange's published holidays for ${year}`, () => {
      expect(holidays(year).map((h) => h.date)).toEqual(PUBLISHED_HOLIDAYS[year]);
    });
    it(`matches the exchange's published early closes for ${year}`, () => {
      expect(earlyCloses(year).map((h) => h.date)).toEqual(PUBLISHED_EARLY_CLOSES[year]);
    });
  }

  it('does not observe New Year on Friday Dec 31 when Jan 1 is a Saturday (2022)', () => {
    expect(isTradingDay('2021-12-31')).toBe(true);
    expect(holidays(2022).map((h) => h.date)).not.toContain('2021-12-31');
  });

  it('knows the 2018 day of mourning and Juneteenth only from 2022', () => {
    expect(isTradingDay('2018-12-05')).toBe(false);
    expect(isTradingDay('2021-06-18')).toBe(true);
    expect(isTradingDay('2022-06-20')).toBe(false);
  });

  it('has 252 sessions in 2024 and 250 in 2025', () => {
    expect(sessionsBetween('2024-01-01', '2024-12-31')).toHaveLength(252);
    expect(sessionsBetween('2025-01-01', '2025-12-31')).toHaveLength(250);
  });

  it('gives session hours as UTC instants across the DST switch', () => {
    expect(new Date(sessionOn('2024-03-08')!.openAt).toISOString()).toBe('2024-03-08T14:30:00.000Z');
    expect(new Date(sessionOn('2024-03-11')!.openAt).toISOString()).toBe('2024-03-11T13:30:00.000Z');
    expect(new Date(sessionOn('2024-11-01')!.closeAt).toISOString()).toBe('2024-11-01T20:00:00.000Z');
    expect(new Date(sessionOn('2024-11-04')!.closeAt).toISOString()).toBe('2024-11-04T21:00:00.000Z');
  });

  it('closes at 13:00 New York on early-close days', () => {
    const s = sessionOn('2024-11-29')!;
    expect(s.earlyClose).toBe(true);
    expect(new Date(s.closeAt).toISOString()).toBe('2024-11-29T18:00:00.000Z');
  });

  it('has no session on weekends and holidays', () => {
    expect(sessionOn('2024-03-09')).toBeUndefined();
    expect(sessionOn('2024-07-04')).toBeUndefined();
  });

  it('steps to the next and previous sessions over holidays and weekends', () => {
    expect(nextSession('2024-07-03').date).toBe('2024-07-05');
    expect(previousSession('2024-01-02').date).toBe('2023-12-29');
  });

  it('finds the open session and the last completed one', () => {
    const open = Date.parse('2024-03-11T15:00:00Z');
    expect(sessionAt(open)?.date).toBe('2024-03-11');
    expect(lastCompletedSession(open).date).toBe('2024-03-08');
    expect(lastCompletedSession(Date.parse('2024-03-11T20:00:00Z')).date).toBe('2024-03-11');
    expect(sessionAt(Date.parse('2024-03-11T20:00:00Z'))).toBeUndefined();
  });

  it('refuses years outside its coverage', () => {
    expect(() => holidays(2014)).toThrow(/2015–2027/);
    expect(() => sessionOn('2030-01-02')).toThrow(/2015–2027/);
  });
});
