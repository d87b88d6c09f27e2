import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CALENDAR_DATA_FILE,
  calendarSource,
  earlyCloseOn,
  earlyCloses,
  holidays,
  isTradingDay,
  lastCompletedSession,
  nextSession,
  parseCalendarData,
  previousSession,
  sessionAt,
  sessionCount,
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

  it('refuses years outside its coverage, naming the range', () => {
    expect(() => holidays(1989)).toThrow(/1990–2099/);
    expect(() => sessionOn('2100-01-04')).toThrow(/1990–2099/);
    expect(() => sessionOn('1989-12-29')).toThrow(/1990–2099/);
  });
});

// Typed in by hand from the rules as they applied in each year (and the exchange's lists where published), not
// generated from calendar.ts: MLK Day from 1998, Juneteenth from 2022, New Year's Day on a Saturday closes nothing,
// early closes at 14:00 before 1993, the day after Thanksgiving from 1992, July 3 from 1995 (on a Wednesday from
// 2013; 1996–2012 the Friday after a Thursday Independence Day instead).
const PINNED: Record<number, { holidays: string[]; early: Array<[string, string]> }> = {
  1990: {
    holidays: ['01-01', '02-19', '04-13', '05-28', '07-04', '09-03', '11-22', '12-25'],
    early: [['12-24', '14:00']],
  },
  1998: {
    holidays: ['01-01', '01-19', '02-16', '04-10', '05-25', '07-03', '09-07', '11-26', '12-25'],
    early: [
      ['11-27', '13:00'],
      ['12-24', '13:00'],
    ],
  },
  2001: {
    holidays: [
      '01-01',
      '01-15',
      '02-19',
      '04-13',
      '05-28',
      '07-04',
      '09-03',
      '09-11',
      '09-12',
      '09-13',
      '09-14',
      '11-22',
      '12-25',
    ],
    early: [
      ['07-03', '13:00'],
      ['11-23', '13:00'],
      ['12-24', '13:00'],
    ],
  },
  2012: {
    holidays: [
      '01-02',
      '01-16',
      '02-20',
      '04-06',
      '05-28',
      '07-04',
      '09-03',
      '10-29',
      '10-30',
      '11-22',
      '12-25',
    ],
    early: [
      ['07-03', '13:00'],
      ['11-23', '13:00'],
      ['12-24', '13:00'],
    ],
  },
  2018: {
    holidays: ['01-01', '01-15', '02-19', '03-30', '05-28', '07-04', '09-03', '11-22', '12-05', '12-25'],
    early: [
      ['07-03', '13:00'],
      ['11-23', '13:00'],
      ['12-24', '13:00'],
    ],
  },
  2022: {
    holidays: ['01-17', '02-21', '04-15', '05-30', '06-20', '07-04', '09-05', '11-24', '12-26'],
    early: [['11-25', '13:00']],
  },
  2025: {
    holidays: [
      '01-01',
      '01-09',
      '01-20',
      '02-17',
      '04-18',
      '05-26',
      '06-19',
      '07-04',
      '09-01',
      '11-27',
      '12-25',
    ],
    early: [
      ['07-03', '13:00'],
      ['11-28', '13:00'],
      ['12-24', '13:00'],
    ],
  },
  2030: {
    holidays: ['01-01', '01-21', '02-18', '04-19', '05-27', '06-19', '07-04', '09-02', '11-28', '12-25'],
    early: [
      ['07-03', '13:00'],
      ['11-29', '13:00'],
      ['12-24', '13:00'],
    ],
  },
};

describe('trading calendar, 1990–2099', () => {
  for (const [yearText, pinned] of Object.entries(PINNED)) {
    const year = Number(yearText);
    it(`has every holiday and early close of ${year}`, () => {
      expect(holidays(year).map((h) => h.date)).toEqual(pinned.holidays.map((d) => `${year}-${d}`));
      expect(earlyCloses(year).map((e) => [e.date, e.closeTime])).toEqual(
        pinned.early.map(([d, t]) => [`${year}-${d}`, t]),
      );
    });
  }

  it('closes on every unscheduled closure since 1990 (data file)', () => {
    const closures = [
      '1994-04-27',
      '2001-09-11',
      '2001-09-12',
      '2001-09-13',
      '2001-09-14',
      '2004-06-11',
      '2007-01-02',
      '2012-10-29',
      '2012-10-30',
      '2018-12-05',
      '2025-01-09',
    ];
    for (const date of closures) {
      expect(sessionOn(date), date).toBeUndefined();
      expect(holidays(Number(date.slice(0, 4))).map((h) => h.date)).toContain(date);
    }
    // the sessions around them are ordinary
    expect(nextSession('2001-09-10').date).toBe('2001-09-17');
    expect(previousSession('2012-10-31').date).toBe('2012-10-26');
    expect(nextSession('2006-12-29').date).toBe('2007-01-03');
  });

  it('ends irregular early closes at their own time, in UTC across the pre-2007 DST rule', () => {
    const close = (date: string) => new Date(sessionOn(date)!.closeAt).toISOString();
    expect(close('1994-02-11')).toBe('1994-02-11T19:30:00.000Z'); // 14:30 EST
    expect(close('1996-01-08')).toBe('1996-01-08T19:00:00.000Z'); // 14:00 EST
    expect(close('1997-10-27')).toBe('1997-10-27T20:30:00.000Z'); // 15:30 EST (DST ended 10-26)
    expect(close('1997-12-26')).toBe('1997-12-26T18:00:00.000Z');
    expect(close('2003-12-26')).toBe('2003-12-26T18:00:00.000Z');
    expect(close('2005-06-01')).toBe('2005-06-01T19:56:00.000Z'); // 15:56 EDT
    expect(close('1992-11-27')).toBe('1992-11-27T19:00:00.000Z'); // 14:00 EST
    expect(earlyCloseOn('1992-11-27')?.closeTime).toBe('14:00');
    // the Friday after a Thursday Independence Day, 1996–2012; the Wednesday before it from 2013
    expect(close('1996-07-05')).toBe('1996-07-05T17:00:00.000Z');
    expect(close('2002-07-05')).toBe('2002-07-05T17:00:00.000Z');
    expect(sessionOn('2002-07-03')!.earlyClose).toBe(false);
    expect(sessionOn('2019-07-05')!.earlyClose).toBe(false);
    expect(close('2019-07-03')).toBe('2019-07-03T17:00:00.000Z');
    // not early: 2008-12-26, 2014-12-26, 2025-12-26, 1999-12-31, July 3 before 1995
    for (const date of ['2008-12-26', '2014-12-26', '2025-12-26', '1999-12-31', '1990-07-03', '1991-07-03'])
      expect(sessionOn(date)!.earlyClose, date).toBe(false);
  });

  it('knows the rules as they changed: MLK Day from 1998, New Year on a Saturday, Christmas on a Saturday', () => {
    expect(isTradingDay('1997-01-20')).toBe(true);
    expect(isTradingDay('1998-01-19')).toBe(false);
    expect(isTradingDay('1999-12-31')).toBe(true);
    expect(isTradingDay('1993-12-31')).toBe(true);
    expect(isTradingDay('1999-12-24')).toBe(false);
    expect(isTradingDay('2099-12-25')).toBe(false);
    expect(isTradingDay('2099-12-31')).toBe(true);
  });

  it('switches New York offsets on the 1990s DST days (first Sunday of April, last Sunday of October)', () => {
    const open = (date: string) => new Date(sessionOn(date)!.openAt).toISOString();
    expect(open('1990-03-30')).toBe('1990-03-30T14:30:00.000Z');
    expect(open('1990-04-02')).toBe('1990-04-02T13:30:00.000Z');
    expect(open('1990-10-26')).toBe('1990-10-26T13:30:00.000Z');
    expect(open('1990-10-29')).toBe('1990-10-29T14:30:00.000Z');
    expect(open('1998-04-03')).toBe('1998-04-03T14:30:00.000Z');
    expect(open('1998-04-06')).toBe('1998-04-06T13:30:00.000Z');
    expect(open('1998-10-23')).toBe('1998-10-23T13:30:00.000Z');
    expect(open('1998-10-26')).toBe('1998-10-26T14:30:00.000Z');
    // the 2007 rule would have switched on 1999-03-14 and 1999-11-07: it did not
    expect(open('1999-03-15')).toBe('1999-03-15T14:30:00.000Z');
    expect(open('1999-11-01')).toBe('1999-11-01T14:30:00.000Z');
    expect(open('1999-10-29')).toBe('1999-10-29T13:30:00.000Z');
  });

  it('counts the sessions of whole years', () => {
    expect(sessionsBetween('1998-01-01', '1998-12-31')).toHaveLength(252);
    expect(sessionCount('1998-01-01', '1998-12-31')).toBe(252);
    expect(sessionCount('1996-01-02', '2026-11-30')).toBe(sessionsBetween('1996-01-02', '2026-11-30').length);
    expect(sessionCount('2001-09-11', '2001-09-14')).toBe(0);
    expect(sessionCount('2001-09-14', '2001-09-11')).toBe(0);
    expect(sessionsBetween('2001-01-01', '2001-12-31')).toHaveLength(248);
    expect(sessionsBetween('2030-01-01', '2030-12-31')).toHaveLength(251);
  });

  it('says which years are published and which come from the rules alone', () => {
    expect(calendarSource(1990)).toBe('published');
    expect(calendarSource(2027)).toBe('published');
    expect(calendarSource(2028)).toBe('rules');
    expect(calendarSource(2099)).toBe('rules');
  });
});

describe('calendar data file', () => {
  const base = { sources: ['test'], publishedThrough: 2027, closures: [], earlyCloses: [] };
  it('reads closures and early closes', () => {
    const parsed = parseCalendarData(
      JSON.stringify({
        ...base,
        closures: [{ date: '2031-03-05', name: 'Day of mourning' }],
        earlyCloses: [{ date: '2031-03-06', close: '12:00', name: 'Storm' }],
      }),
      'cal.json',
    );
    expect(parsed.closures.get('2031-03-05')?.name).toBe('Day of mourning');
    expect(parsed.earlyCloses.get('2031-03-06')?.closeTime).toBe('12:00');
  });
  it('refuses bad entries, naming the file, the entry and the range', () => {
    const bad = (patch: object) => () => parseCalendarData(JSON.stringify({ ...base, ...patch }), 'cal.json');
    expect(bad({ closures: [{ date: '2031-02-30', name: 'x' }] })).toThrow(
      /cal\.json: closures\.0: .*not a date/,
    );
    expect(bad({ closures: [{ date: '1989-03-01', name: 'x' }] })).toThrow(/1990-01-01 to 2099-12-31/);
    expect(bad({ closures: [{ date: '2031-03-08', name: 'x' }] })).toThrow(/weekend/);
    expect(bad({ earlyCloses: [{ date: '2031-03-06', close: '17:00', name: 'x' }] })).toThrow(
      /earlyCloses\.0\.close/,
    );
    expect(bad({ publishedThrough: 'soon' })).toThrow(/cal\.json: publishedThrough/);
    expect(() => parseCalendarData('{', 'cal.json')).toThrow(/cal\.json: not valid JSON/);
  });
  it('is the file the calendar reads', () => {
    expect(CALENDAR_DATA_FILE).toMatch(/nyse-calendar\.json$/);
    expect(
      parseCalendarData(readFileSync(CALENDAR_DATA_FILE, 'utf8'), CALENDAR_DATA_FILE).closures.size,
    ).toBe(11);
  });
});
