/**
 * Dates and instants. Instants are epoch milliseconds in UTC; exchange dates are `YYYY-MM-DD` strings (New York).
 * FMP sends bar labels as New York wall-clock strings with no offset: convert them here, never with `new Date(str)`
 * (that reads the process zone).
 */

/** A calendar date `YYYY-MM-DD` (an exchange session date when it names a session). */
export type IsoDate = string;

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for a valid `YYYY-MM-DD`, or undefined when the string is not a real date. */
export function parseIsoDate(text: string): number | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return ms / MS_PER_DAY;
}

export function isIsoDate(text: string): boolean {
  return parseIsoDate(text) !== undefined;
}

/** `YYYY-MM-DD` of a day number (days since 1970-01-01). */
export function formatDayNumber(day: number): IsoDate {
  // why: civil-from-days arithmetic (proleptic Gregorian), cheaper than Date#toISOString, and the calendar
  // formats every day of 1990–2099 (docs/performance.md#time-zones).
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 1000 || y > 9999) return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const day = parseIsoDate(date);
  if (day === undefined) throw new RangeError(`not a date: ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return formatDayNumber(day + days);
}

/** Day of week of a date, 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: IsoDate): number {
  const day = parseIsoDate(date);
  if (day === undefined) throw new RangeError(`not a date: ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return (parseIsoDate(b) as number) - (parseIsoDate(a) as number);
}

// why: the US rules, far cheaper than Intl per row (docs/performance.md#time-zones). Since 2007: second Sunday
// of March 02:00 to first Sunday of November 02:00, local time; 1987–2006: first Sunday of April to last Sunday
// of October. They match the tz database and DuckDB's ICU for every instant 1990–2099 (time.test.ts checks every
// 30 minutes against Intl). Boundaries are cached per year.
interface DstYear {
  year: number;
  /** Wall-clock ms (wall time read as if UTC) at which EDT starts / ends. */
  wallStart: number;
  wallEnd: number;
  /** UTC ms at which EDT starts / ends. */
  utcStart: number;
  utcEnd: number;
}
const dstCache = new Map<number, DstYear>();

/** The first year the fast converter covers (the 1987 rule). */
export const NY_TIME_FIRST_YEAR = 1987;

function firstSundayOnOrAfter(year: number, month: number, day: number): number {
  const ms = Date.UTC(year, month, day);
  const dow = new Date(ms).getUTCDay();
  return ms + ((7 - dow) % 7) * MS_PER_DAY;
}

function dstYear(year: number): DstYear {
  let cached = dstCache.get(year);
  if (!cached) {
    if (year < NY_TIME_FIRST_YEAR)
      throw new RangeError(`New York time conversion covers ${NY_TIME_FIRST_YEAR} onwards, got year ${year}`);
    const startDay = year >= 2007 ? firstSundayOnOrAfter(year, 2, 8) : firstSundayOnOrAfter(year, 3, 1);
    const endDay = year >= 2007 ? firstSundayOnOrAfter(year, 10, 1) : firstSundayOnOrAfter(year, 9, 25);
    const wallStart = startDay + 2 * MS_PER_HOUR;
    const wallEnd = endDay + 2 * MS_PER_HOUR;
    cached = {
      year,
      wallStart,
      wallEnd,
      utcStart: wallStart + 5 * MS_PER_HOUR,
      utcEnd: wallEnd + 4 * MS_PER_HOUR,
    };
    dstCache.set(year, cached);
  }
  return cached;
}

/** UTC offset of New York in hours (4 in summer, 5 in winter) for a wall-clock time read as if it were UTC. */
export function nyOffsetHoursAtWall(wallMs: number): 4 | 5 {
  const d = dstYear(new Date(wallMs).getUTCFullYear());
  return wallMs >= d.wallStart && wallMs < d.wallEnd ? 4 : 5;
}

/** UTC offset of New York in hours at a UTC instant. */
export function nyOffsetHoursAtUtc(utcMs: number): 4 | 5 {
  const d = dstYear(new Date(utcMs).getUTCFullYear());
  return utcMs >= d.utcStart && utcMs < d.utcEnd ? 4 : 5;
}

/** New York wall clock (its fields read as if UTC, e.g. `Date.UTC(2024, 2, 11, 9, 30)`) → UTC instant. */
export function nyWallMsToUtcMs(wallMs: number): number {
  return wallMs + nyOffsetHoursAtWall(wallMs) * MS_PER_HOUR;
}

/** UTC instant → New York wall clock (fields read as if UTC). */
export function utcMsToNyWallMs(utcMs: number): number {
  return utcMs - nyOffsetHoursAtUtc(utcMs) * MS_PER_HOUR;
}

/** UTC instant of a New York date and wall time, e.g. `nyDateTimeToUtcMs('2024-03-11', 9, 30)`. */
export function nyDateTimeToUtcMs(date: IsoDate, hour: number, minute = 0, second = 0): number {
  const day = parseIsoDate(date);
  if (day === undefined) throw new RangeError(`not a date: ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return nyWallMsToUtcMs(day * MS_PER_DAY + hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * 1000);
}

const FMP_DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * FMP's intraday label (`"2024-03-11 09:30:00"`, New York wall time, no offset) → UTC instant, or undefined
 * when the string is not of that form.
 */
export function fmpDateTimeToUtcMs(text: string): number | undefined {
  const m = FMP_DATETIME.exec(text);
  if (!m) return undefined;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (Number.isNaN(wall)) return undefined;
  return nyWallMsToUtcMs(wall);
}

/** UTC instant → FMP's label form `YYYY-MM-DD HH:MM:SS` in New York wall time. */
export function utcMsToFmpDateTime(utcMs: number): string {
  const iso = new Date(utcMsToNyWallMs(utcMs)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** The New York calendar date of a UTC instant. */
export function nyDateOf(utcMs: number): IsoDate {
  return new Date(utcMsToNyWallMs(utcMs)).toISOString().slice(0, 10);
}
