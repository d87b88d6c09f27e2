/**
 * The lake's `sessions` dataset: every session of the trading calendar (the coverage and bars_daily views need
 * them). Rewritten when the calendar it was written from changes (a new year, an unscheduled closure): the
 * snapshot records the calendar's fingerprint as the property `sessions_calendar_sha256`.
 */
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, type Session, sessionsBetween } from '../core/calendar.ts';
import { lakeSource } from './lake-sources.ts';
import type { LakeTransaction } from './lake-transaction.ts';

const FINGERPRINT_PROPERTY = 'sessions_calendar_sha256';

let calendar: { sessions: Session[]; fingerprint: string } | undefined;

/** The calendar's sessions and their fingerprint, computed once per process (every publish asks). */
function calendarSessions(): { sessions: Session[]; fingerprint: string } {
  if (!calendar) {
    const sessions = sessionsBetween(`${CALENDAR_FIRST_YEAR}-01-01`, `${CALENDAR_LAST_YEAR}-12-31`);
    const fingerprint = createHash('sha256')
      .update(sessions.map((x) => `${x.date} ${x.openAt} ${x.closeAt} ${x.earlyClose}`).join('\n'))
      .digest('hex');
    calendar = { sessions, fingerprint };
  }
  return calendar;
}

/** Writes a new sessions file into `tx` when the calendar differs from the one its snapshot was written from. */
export async function refreshSessionsFile(
  connection: DuckDBConnection,
  tx: LakeTransaction,
): Promise<boolean> {
  const { sessions, fingerprint } = calendarSessions();
  if (tx.property(FINGERPRINT_PROPERTY) === fingerprint && tx.files('sessions').length > 0) return false;
  await connection.run(
    'create or replace temp table stg_sessions (session_date varchar, open_us bigint, close_us bigint, early_close boolean)',
  );
  const appender = await connection.createAppender('stg_sessions', 'main', 'temp');
  try {
    for (const s of sessions) {
      appender.appendVarchar(s.date);
      appender.appendBigInt(BigInt(s.openAt) * 1000n);
      appender.appendBigInt(BigInt(s.closeAt) * 1000n);
      appender.appendBoolean(s.earlyClose);
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
  const source = lakeSource('sessions');
  const previous = tx.files('sessions');
  await tx.writeFile(
    source,
    '',
    `select session_date::date as session_date, make_timestamp(open_us)::timestamptz as open_at,
       make_timestamp(close_us)::timestamptz as close_at, early_close from stg_sessions`,
    { sort: true },
  );
  tx.remove('sessions', previous);
  tx.setProperty(FINGERPRINT_PROPERTY, fingerprint);
  await connection.run('drop table stg_sessions');
  return true;
}
