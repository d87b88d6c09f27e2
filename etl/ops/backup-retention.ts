import { addDays, dayOfWeek, type IsoDate, nyDateOf } from '../core/time.ts';

/** How many snapshots retention keeps. */
export interface RetentionPolicy {
  /** Keep the newest snapshot of each of the last N days that have one (New York dates). BACKUP_KEEP_DAILY, default 7. */
  keepDaily: number;
  /** Keep the newest snapshot of each of the last M weeks (Monday–Sunday, New York) that have one. BACKUP_KEEP_WEEKLY, default 4. */
  keepWeekly: number;
}

export interface DatedSnapshot {
  id: string;
  /** UTC ms. */
  createdAtMs: number;
}

function mondayOf(date: IsoDate): IsoDate {
  return addDays(date, -((dayOfWeek(date) + 6) % 7));
}

function newestPerBucket(snapshots: DatedSnapshot[], bucketOf: (s: DatedSnapshot) => string, keep: number) {
  const kept = new Set<string>();
  const seen = new Set<string>();
  for (const snapshot of snapshots) {
    const bucket = bucketOf(snapshot);
    if (seen.has(bucket)) continue;
    if (seen.size >= keep) break;
    seen.add(bucket);
    kept.add(snapshot.id);
  }
  return kept;
}

/**
 * Which snapshots retention removes: all but the newest of each of the last `keepDaily` days and the newest of
 * each of the last `keepWeekly` weeks. The newest snapshot overall is always kept, whatever the policy.
 */
export function snapshotsToPrune(snapshots: DatedSnapshot[], policy: RetentionPolicy): string[] {
  const newestFirst = [...snapshots].sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : -1));
  const day = (s: DatedSnapshot) => nyDateOf(s.createdAtMs);
  const kept = new Set([
    ...newestPerBucket(newestFirst, day, policy.keepDaily),
    ...newestPerBucket(newestFirst, (s) => mondayOf(day(s)), policy.keepWeekly),
  ]);
  if (newestFirst[0]) kept.add(newestFirst[0].id);
  return newestFirst.filter((s) => !kept.has(s.id)).map((s) => s.id);
}
