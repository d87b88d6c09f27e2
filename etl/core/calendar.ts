/**
 * The NYSE/NASDAQ trading calendar, 2015–2027: full-day holidays (published rules plus unscheduled closures)
 * and 13:00 early closes. Sessions run 09:30–16:00 New York time (13:00 on early closes).
 * This is data the code owns; calendar.test.ts checks it against the exchange's published lists.
 */
import {
  addDays,
  dayOfWeek,
  formatDayNumber,
  type IsoDate,
  MS_PER_DAY,
  nyDateOf,
  nyDateTimeToUtcMs,
  parseIsoDate,
} from './time.ts';

export const CALENDAR_FIRST_YEAR = 2015;
export const CALENDAR_LAST_YEAR = 2027;

export interface Holiday {
  date: IsoDate;
  name: string;
}

export interface Session {
  /** New York session date. */
  date: IsoDate;
  /** Regular-session open, UTC ms (09:30 New York). */
  openAt: number;
  /** Regular-session close, UTC ms (16:00 New York, 13:00 on early closes). */
  closeAt: number;
  earlyClose: boolean;
}

/** Closures outside the yearly rules: national days of mourning. */
const UNSCHEDULED_CLOSURES: Holiday[] = [
  { date: '2018-12-05', name: 'National Day of Mourning for George H. W. Bush' },
  { date: '2025-01-09', name: 'National Day of Mourning for Jimmy Carter' },
];

function ymd(year: number, month: number, day: number): IsoDate {
  return formatDayNumber(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

/** The n-th (1-based) weekday `dow` of a month; n = -1 for the last. */
function nthWeekday(year: number, month: number, dow: number, n: number): IsoDate {
  if (n > 0) {
    const first = ymd(year, month, 1);
    const offset = (dow - dayOfWeek(first) + 7) % 7;
    return addDays(first, offset + (n - 1) * 7);
  }
  const last = addDays(ymd(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1), -1);
  return addDays(last, -((dayOfWeek(last) - dow + 7) % 7));
}

/** Western Easter Sunday (anonymous Gregorian algorithm). */
function easter(year: number): IsoDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return ymd(year, month, day);
}

/** A fixed-date holiday observed on Friday when on Saturday and Monday when on Sunday. */
function observed(date: IsoDate): IsoDate {
  const dow = dayOfWeek(date);
  return dow === 6 ? addDays(date, -1) : dow === 0 ? addDays(date, 1) : date;
}

function assertCovered(year: number): void {
  if (year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_YEAR) {
    throw new RangeError(
      `the trading calendar covers ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}; ${year} is outside it`,
    );
  }
}

const holidayCache = new Map<number, Holiday[]>();

/** Full-day market closures of a year, in date order. */
export function holidays(year: number): Holiday[] {
  assertCovered(year);
  let list = holidayCache.get(year);
  if (list) return list;
  list = [];
  // why: NYSE does not move New Year's Day to Friday Dec 31 when Jan 1 is a Saturday (Rule 7.2).
  const newYear = ymd(year, 1, 1);
  if (dayOfWeek(newYear) !== 6) list.push({ date: observed(newYear), name: "New Year's Day" });
  list.push({ date: nthWeekday(year, 1, 1, 3), name: 'Martin Luther King Jr. Day' });
  list.push({ date: nthWeekday(year, 2, 1, 3), name: "Washington's Birthday" });
  list.push({ date: addDays(easter(year), -2), name: 'Good Friday' });
  list.push({ date: nthWeekday(year, 5, 1, -1), name: 'Memorial Day' });
  if (year >= 2022)
    list.push({ date: observed(ymd(year, 6, 19)), name: 'Juneteenth National Independence Day' });
  list.push({ date: observed(ymd(year, 7, 4)), name: 'Independence Day' });
  list.push({ date: nthWeekday(year, 9, 1, 1), name: 'Labor Day' });
  list.push({ date: nthWeekday(year, 11, 4, 4), name: 'Thanksgiving Day' });
  list.push({ date: observed(ymd(year, 12, 25)), name: 'Christmas Day' });
  for (const closure of UNSCHEDULED_CLOSURES) if (closure.date.startsWith(`${year}-`)) list.push(closure);
  list.sort((x, y) => (x.date < y.date ? -1 : 1));
  holidayCache.set(year, list);
  return list;
}

const earlyCloseCache = new Map<number, Holiday[]>();

/**
 * 13:00 early closes of a year: July 3 when it is Monday–Thursday, the day after Thanksgiving, and
 * December 24 when it is Monday–Thursday.
 */
export function earlyCloses(year: number): Holiday[] {
  assertCovered(year);
  const cached = earlyCloseCache.get(year);
  if (cached) return cached;
  const list: Holiday[] = [];
  const july3 = ymd(year, 7, 3);
  if (dayOfWeek(july3) >= 1 && dayOfWeek(july3) <= 4)
    list.push({ date: july3, name: 'Independence Day (eve)' });
  list.push({ date: addDays(nthWeekday(year, 11, 4, 4), 1), name: 'Day after Thanksgiving' });
  const dec24 = ymd(year, 12, 24);
  if (dayOfWeek(dec24) >= 1 && dayOfWeek(dec24) <= 4) list.push({ date: dec24, name: 'Christmas Eve' });
  earlyCloseCache.set(year, list);
  return list;
}

function yearOf(date: IsoDate): number {
  if (parseIsoDate(date) === undefined)
    throw new RangeError(`not a date: ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return Number(date.slice(0, 4));
}

/** The holiday on a date, if the market is closed all day for one. */
export function holidayOn(date: IsoDate): Holiday | undefined {
  return holidays(yearOf(date)).find((h) => h.date === date);
}

export function isEarlyClose(date: IsoDate): boolean {
  return earlyCloses(yearOf(date)).some((h) => h.date === date);
}

/** True when the market holds a regular session on the date. */
export function isTradingDay(date: IsoDate): boolean {
  const dow = dayOfWeek(date);
  if (dow === 0 || dow === 6) {
    assertCovered(yearOf(date));
    return false;
  }
  return holidayOn(date) === undefined;
}

/** Sessions by date (null: no session), frozen. why: the ETL asks for the same few dates once per window. */
const sessionCache = new Map<IsoDate, Readonly<Session> | null>();

/** The session held on a date, or undefined on weekends and holidays. */
export function sessionOn(date: IsoDate): Session | undefined {
  const cached = sessionCache.get(date);
  if (cached !== undefined) return cached ?? undefined;
  if (!isTradingDay(date)) {
    sessionCache.set(date, null);
    return undefined;
  }
  const earlyClose = isEarlyClose(date);
  const session = Object.freeze({
    date,
    openAt: nyDateTimeToUtcMs(date, 9, 30),
    closeAt: nyDateTimeToUtcMs(date, earlyClose ? 13 : 16, 0),
    earlyClose,
  });
  sessionCache.set(date, session);
  return session;
}

/** Every session from `from` to `to`, both inclusive, in date order. */
export function sessionsBetween(from: IsoDate, to: IsoDate): Session[] {
  const out: Session[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const s = sessionOn(d);
    if (s) out.push(s);
  }
  return out;
}

/** The first session strictly after a date. */
export function nextSession(date: IsoDate): Session {
  for (let d = addDays(date, 1); ; d = addDays(d, 1)) {
    const s = sessionOn(d);
    if (s) return s;
  }
}

/** The last session strictly before a date. */
export function previousSession(date: IsoDate): Session {
  for (let d = addDays(date, -1); ; d = addDays(d, -1)) {
    const s = sessionOn(d);
    if (s) return s;
  }
}

/** The session whose regular hours contain the instant, if any. */
export function sessionAt(utcMs: number): Session | undefined {
  const s = sessionOn(nyDateOf(utcMs));
  return s && utcMs >= s.openAt && utcMs < s.closeAt ? s : undefined;
}

/** The latest session that had closed by the instant (its close ≤ now). */
export function lastCompletedSession(utcMs: number): Session {
  const today = sessionOn(nyDateOf(utcMs));
  if (today && today.closeAt <= utcMs) return today;
  return previousSession(nyDateOf(utcMs));
}
