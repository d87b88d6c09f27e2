/**
 * The NYSE/NASDAQ trading calendar, 1990–2099: full-day holidays by the exchange's rules as they changed over the
 * years, 13:00 early closes by their rules (14:00 before 1993), and the days no rule produces (unscheduled
 * closures, irregular early closes) from the data file `nyse-calendar.json` beside this module, which names its
 * sources. Sessions run 09:30–16:00 New York time unless an early close says otherwise.
 * calendar.test.ts pins the exchange's published lists and every unscheduled closure.
 * Why one file of ~430 lines: the holiday rules, the early-close rules, the data file's reader and the per-year
 * session cache are one job (what is a session, and when does it close); split, each part would need the others.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { ConfigError } from './errors.ts';
import {
  addDays,
  dayOfWeek,
  formatDayNumber,
  type IsoDate,
  MS_PER_DAY,
  nyDateOf,
  nyWallMsToUtcMs,
  parseIsoDate,
} from './time.ts';

export const CALENDAR_FIRST_YEAR = 1990;
export const CALENDAR_LAST_YEAR = 2099;
export const CALENDAR_FIRST_DATE: IsoDate = `${CALENDAR_FIRST_YEAR}-01-01`;
export const CALENDAR_LAST_DATE: IsoDate = `${CALENDAR_LAST_YEAR}-12-31`;

/** The data file: unscheduled closures and irregular early closes (see its `about`). */
export const CALENDAR_DATA_FILE = fileURLToPath(new URL('./nyse-calendar.json', import.meta.url));

export interface Holiday {
  date: IsoDate;
  name: string;
}

export interface EarlyClose extends Holiday {
  /** New York wall-clock close, `HH:MM` (13:00 for the scheduled ones). */
  closeTime: string;
}

export interface Session {
  /** New York session date. */
  date: IsoDate;
  /** Regular-session open, UTC ms (09:30 New York). */
  openAt: number;
  /** Regular-session close, UTC ms (16:00 New York, earlier on early closes). */
  closeAt: number;
  earlyClose: boolean;
}

/** Where a year's days come from: checked against the exchange's published list, or computed by the rules. */
export type CalendarSource = 'published' | 'rules';

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

const dataSchema = z.object({
  about: z.string().optional(),
  sources: z.array(z.string()).min(1),
  publishedThrough: z.number().int().min(CALENDAR_FIRST_YEAR).max(CALENDAR_LAST_YEAR),
  closures: z.array(z.object({ date: z.string(), name: z.string().min(1) })),
  earlyCloses: z.array(z.object({ date: z.string(), close: z.string(), name: z.string().min(1) })),
});

interface CalendarData {
  publishedThrough: number;
  closures: Map<IsoDate, Holiday>;
  earlyCloses: Map<IsoDate, EarlyClose>;
}

let data: CalendarData | undefined;

/** Reads and checks a calendar data file; a bad file is a ConfigError naming the file and the entry. */
export function parseCalendarData(text: string, file: string): CalendarData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = dataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const checkDate = (date: string, where: string): void => {
    if (parseIsoDate(date) === undefined)
      throw new ConfigError(`${file}: ${where}: ${JSON.stringify(date)} is not a date (YYYY-MM-DD)`);
    if (date < CALENDAR_FIRST_DATE || date > CALENDAR_LAST_DATE)
      throw new ConfigError(
        `${file}: ${where}: ${date} is outside the trading calendar (${CALENDAR_FIRST_DATE} to ${CALENDAR_LAST_DATE})`,
      );
    const dow = dayOfWeek(date);
    if (dow === 0 || dow === 6) throw new ConfigError(`${file}: ${where}: ${date} is a weekend day`);
  };
  const closures = new Map<IsoDate, Holiday>();
  parsed.data.closures.forEach((c, i) => {
    const where = `closures.${i}`;
    checkDate(c.date, where);
    if (closures.has(c.date)) throw new ConfigError(`${file}: ${where}: ${c.date} is listed twice`);
    closures.set(c.date, { date: c.date, name: c.name });
  });
  const earlyCloses = new Map<IsoDate, EarlyClose>();
  parsed.data.earlyCloses.forEach((c, i) => {
    const where = `earlyCloses.${i}`;
    checkDate(c.date, where);
    const m = HH_MM.exec(c.close);
    const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : -1;
    if (minutes <= 9 * 60 + 30 || minutes >= 16 * 60)
      throw new ConfigError(
        `${file}: ${where}.close: ${JSON.stringify(c.close)} must be HH:MM after 09:30 and before 16:00`,
      );
    if (earlyCloses.has(c.date) || closures.has(c.date))
      throw new ConfigError(`${file}: ${where}: ${c.date} is listed twice`);
    earlyCloses.set(c.date, { date: c.date, name: c.name, closeTime: c.close });
  });
  return { publishedThrough: parsed.data.publishedThrough, closures, earlyCloses };
}

function calendarData(): CalendarData {
  if (!data) {
    let text: string;
    try {
      text = fs.readFileSync(CALENDAR_DATA_FILE, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `${CALENDAR_DATA_FILE}: cannot read the calendar data file (${(e as Error).message})`,
      );
    }
    data = parseCalendarData(text, CALENDAR_DATA_FILE);
  }
  return data;
}

/** The last year the exchange has published its list for (and this calendar was checked against). */
export function publishedThrough(): number {
  return calendarData().publishedThrough;
}

/** `published` up to the last year the exchange has published; later years come from the rules alone. */
export function calendarSource(year: number): CalendarSource {
  assertCovered(year);
  return year <= publishedThrough() ? 'published' : 'rules';
}

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
  if (!Number.isInteger(year) || year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_YEAR) {
    throw new RangeError(
      `the trading calendar covers ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}; ${year} is outside it`,
    );
  }
}

/** Holidays by the yearly rules, as they applied in that year. */
function ruleHolidays(year: number): Holiday[] {
  const list: Holiday[] = [];
  // why: NYSE does not move New Year's Day to Friday Dec 31 when Jan 1 is a Saturday (Rule 7.2).
  const newYear = ymd(year, 1, 1);
  if (dayOfWeek(newYear) !== 6) list.push({ date: observed(newYear), name: "New Year's Day" });
  if (year >= 1998) list.push({ date: nthWeekday(year, 1, 1, 3), name: 'Martin Luther King Jr. Day' });
  list.push({ date: nthWeekday(year, 2, 1, 3), name: "Washington's Birthday" });
  list.push({ date: addDays(easter(year), -2), name: 'Good Friday' });
  list.push({ date: nthWeekday(year, 5, 1, -1), name: 'Memorial Day' });
  if (year >= 2022)
    list.push({ date: observed(ymd(year, 6, 19)), name: 'Juneteenth National Independence Day' });
  list.push({ date: observed(ymd(year, 7, 4)), name: 'Independence Day' });
  list.push({ date: nthWeekday(year, 9, 1, 1), name: 'Labor Day' });
  list.push({ date: nthWeekday(year, 11, 4, 4), name: 'Thanksgiving Day' });
  list.push({ date: observed(ymd(year, 12, 25)), name: 'Christmas Day' });
  return list;
}

/**
 * Early closes by the yearly rules, as they applied in that year (13:00; 14:00 before 1993):
 * - the day before Independence Day: July 3 on Monday, Tuesday or Thursday from 1995; on Wednesday from 2013;
 *   from 1996 to 2012 the Friday July 5 after a Thursday Independence Day instead;
 * - the day after Thanksgiving, from 1992;
 * - Christmas Eve on Monday to Thursday (on Friday it is the observed Christmas holiday or a full day).
 */
function ruleEarlyCloses(year: number): EarlyClose[] {
  const closeTime = year < 1993 ? '14:00' : '13:00';
  const list: EarlyClose[] = [];
  const july3 = ymd(year, 7, 3);
  const july3Dow = dayOfWeek(july3);
  if (
    year >= 1995 &&
    (july3Dow === 1 || july3Dow === 2 || july3Dow === 4 || (july3Dow === 3 && year >= 2013))
  )
    list.push({ date: july3, name: 'Independence Day (eve)', closeTime });
  const july5 = ymd(year, 7, 5);
  if (year >= 1996 && year <= 2012 && dayOfWeek(july5) === 5)
    list.push({ date: july5, name: 'Day after Independence Day', closeTime });
  if (year >= 1992)
    list.push({ date: addDays(nthWeekday(year, 11, 4, 4), 1), name: 'Day after Thanksgiving', closeTime });
  const dec24 = ymd(year, 12, 24);
  if (dayOfWeek(dec24) >= 1 && dayOfWeek(dec24) <= 4)
    list.push({ date: dec24, name: 'Christmas Eve', closeTime });
  return list;
}

interface CalendarYear {
  holidays: Holiday[];
  earlyCloses: EarlyClose[];
  holidayByDate: Map<IsoDate, Holiday>;
  earlyCloseByDate: Map<IsoDate, EarlyClose>;
}

const yearCache = new Map<number, CalendarYear>();

function calendarYear(year: number): CalendarYear {
  let cached = yearCache.get(year);
  if (cached) return cached;
  assertCovered(year);
  const { closures, earlyCloses: extraEarly } = calendarData();
  const prefix = `${year}-`;
  const holidays = ruleHolidays(year);
  for (const [date, closure] of closures) if (date.startsWith(prefix)) holidays.push(closure);
  holidays.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
  const holidayByDate = new Map(holidays.map((h) => [h.date, h]));
  const earlyCloseByDate = new Map<IsoDate, EarlyClose>();
  for (const e of ruleEarlyCloses(year)) if (!holidayByDate.has(e.date)) earlyCloseByDate.set(e.date, e);
  // why: the data file's entries win over a rule's early close on the same day (an irregular close time).
  for (const [date, e] of extraEarly) if (date.startsWith(prefix)) earlyCloseByDate.set(date, e);
  const earlyCloses = [...earlyCloseByDate.values()].sort((x, y) => (x.date < y.date ? -1 : 1));
  cached = { holidays, earlyCloses, holidayByDate, earlyCloseByDate };
  yearCache.set(year, cached);
  return cached;
}

/** Full-day market closures of a year (rules and unscheduled closures), in date order. */
export function holidays(year: number): Holiday[] {
  return calendarYear(year).holidays;
}

/** Early closes of a year (rules and irregular ones), in date order. */
export function earlyCloses(year: number): EarlyClose[] {
  return calendarYear(year).earlyCloses;
}

function yearOf(date: IsoDate): number {
  if (parseIsoDate(date) === undefined)
    throw new RangeError(`not a date: ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return Number(date.slice(0, 4));
}

/** The holiday on a date, if the market is closed all day for one. */
export function holidayOn(date: IsoDate): Holiday | undefined {
  return calendarYear(yearOf(date)).holidayByDate.get(date);
}

/** The early close on a date, if any. */
export function earlyCloseOn(date: IsoDate): EarlyClose | undefined {
  return calendarYear(yearOf(date)).earlyCloseByDate.get(date);
}

export function isEarlyClose(date: IsoDate): boolean {
  return earlyCloseOn(date) !== undefined;
}

/** True when the market holds a regular session on the date. */
export function isTradingDay(date: IsoDate): boolean {
  return sessionOn(date) !== undefined;
}

/** Sessions by date (null: no session), frozen. why: the ETL asks for the same few dates once per window. */
const sessionCache = new Map<IsoDate, Readonly<Session> | null>();

const OPEN_WALL_MS = (9 * 60 + 30) * 60_000;

/** The session of a day (days since 1970-01-01; `date` is its `YYYY-MM-DD`), or null. */
function computeSession(day: number, date: IsoDate): Session | null {
  const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const year = calendarYear(Number(date.slice(0, 4)));
  if (dow === 0 || dow === 6 || year.holidayByDate.has(date)) return null;
  const early = year.earlyCloseByDate.get(date);
  const closeWallMs = early
    ? (Number(early.closeTime.slice(0, 2)) * 60 + Number(early.closeTime.slice(3, 5))) * 60_000
    : 16 * 60 * 60_000;
  const midnight = day * MS_PER_DAY;
  return Object.freeze({
    date,
    openAt: nyWallMsToUtcMs(midnight + OPEN_WALL_MS),
    closeAt: nyWallMsToUtcMs(midnight + closeWallMs),
    earlyClose: early !== undefined,
  });
}

function cachedSession(day: number, date: IsoDate): Session | undefined {
  let cached = sessionCache.get(date);
  if (cached === undefined) {
    cached = computeSession(day, date);
    sessionCache.set(date, cached);
  }
  return cached ?? undefined;
}

/** The session held on a date, or undefined on weekends and holidays. */
export function sessionOn(date: IsoDate): Session | undefined {
  const cached = sessionCache.get(date);
  if (cached !== undefined) return cached ?? undefined;
  const day = parseIsoDate(date);
  if (day === undefined) throw new RangeError(`not a date: ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return cachedSession(day, date);
}

/** Sessions of each year, in date order. why: planning asks for decades of sessions once per symbol. */
const yearSessionsCache = new Map<number, readonly Session[]>();

function sessionsOfYear(year: number): readonly Session[] {
  let list = yearSessionsCache.get(year);
  if (list) return list;
  assertCovered(year);
  const out: Session[] = [];
  const last = Date.UTC(year, 11, 31) / MS_PER_DAY;
  for (let day = Date.UTC(year, 0, 1) / MS_PER_DAY; day <= last; day++) {
    const s = cachedSession(day, formatDayNumber(day));
    if (s) out.push(s);
  }
  list = Object.freeze(out);
  yearSessionsCache.set(year, list);
  return list;
}

/** Index of the first session dated on or after `date` in a sorted list. */
function lowerBound(list: readonly Session[], date: IsoDate): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].date < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every session from `from` to `to`, both inclusive, in date order. */
export function sessionsBetween(from: IsoDate, to: IsoDate): Session[] {
  const first = yearOf(from);
  const last = yearOf(to);
  const out: Session[] = [];
  for (let year = first; year <= last; year++) {
    const list = sessionsOfYear(year);
    const start = year === first ? lowerBound(list, from) : 0;
    const end = year === last ? lowerBound(list, addDays(to, 1)) : list.length;
    for (let i = start; i < end; i++) out.push(list[i]);
  }
  return out;
}

/** How many sessions lie from `from` to `to`, both inclusive, without listing them. */
export function sessionCount(from: IsoDate, to: IsoDate): number {
  const first = yearOf(from);
  const last = yearOf(to);
  let n = 0;
  for (let year = first; year <= last; year++) {
    const list = sessionsOfYear(year);
    const start = year === first ? lowerBound(list, from) : 0;
    const end = year === last ? lowerBound(list, addDays(to, 1)) : list.length;
    if (end > start) n += end - start;
  }
  return n;
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
