/**
 * For tests that check New York times against the tz database instead of our own arithmetic (etl/core/time.ts):
 * Intl's formatter of an instant's New York wall clock, 24-hour, to the minute (`03/10/2024, 03:00`).
 */
export const nyWallFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});
