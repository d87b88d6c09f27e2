import { describe, expect, it } from 'vitest';
import { snapshotsToPrune } from './backup-retention.ts';

// 23:30 UTC is 18:30 (winter) or 19:30 (summer) in New York: the nightly backup after the ETL.
const at = (date: string, hhmm = '23:30') => ({
  id: `${date}@${hhmm}`,
  createdAtMs: Date.parse(`${date}T${hhmm}:00Z`),
});

describe('backup retention', () => {
  it('keeps the newest snapshot of each of the last N days and M weeks', () => {
    // Every day from Mon 2024-01-01 to Sun 2024-02-04 (5 weeks), and a second snapshot on 2024-02-04.
    const snapshots = [];
    for (let d = 1; d <= 35; d++) {
      const date = new Date(Date.UTC(2024, 0, d)).toISOString().slice(0, 10);
      snapshots.push(at(date));
    }
    snapshots.push(at('2024-02-04', '12:00'));
    const pruned = snapshotsToPrune(snapshots, { keepDaily: 3, keepWeekly: 3 });
    const kept = snapshots.map((s) => s.id).filter((id) => !pruned.includes(id));
    expect(kept.sort()).toEqual([
      '2024-01-21@23:30', // newest of the week of Mon 01-15
      '2024-01-28@23:30', // newest of the week of Mon 01-22
      '2024-02-02@23:30',
      '2024-02-03@23:30',
      '2024-02-04@23:30', // newest of its day and of the week of Mon 01-29
    ]);
    expect(pruned).toContain('2024-02-04@12:00');
    expect(pruned).toHaveLength(snapshots.length - 5);
  });

  it('dates snapshots in New York, so a late-evening backup belongs to that session day', () => {
    // 2024-03-06 02:00 UTC is 2024-03-05 21:00 in New York: same day as the 18:00 one, so only the newer stays.
    const snapshots = [at('2024-03-05', '23:00'), at('2024-03-06', '02:00'), at('2024-03-04', '23:00')];
    expect(snapshotsToPrune(snapshots, { keepDaily: 2, keepWeekly: 0 })).toEqual(['2024-03-05@23:00']);
  });

  it('always keeps the newest snapshot, even with a policy of zero', () => {
    const snapshots = [at('2024-03-04'), at('2024-03-05')];
    expect(snapshotsToPrune(snapshots, { keepDaily: 0, keepWeekly: 0 })).toEqual(['2024-03-04@23:30']);
    expect(snapshotsToPrune([], { keepDaily: 1, keepWeekly: 1 })).toEqual([]);
  });
});
