import fs from 'node:fs';
import path from 'node:path';
import { scrubSecrets } from '../core/secrets.ts';

export const AUDIT_FILE = 'audit.jsonl';

/** What happened to a privileged action: let through, refused, then finished well or badly. */
export type AuditOutcome = 'allowed' | 'denied' | 'ok' | 'failed';

/** One line of `WAREHOUSE_DIR/audit.jsonl`. */
export interface AuditEntry {
  /** When, ISO 8601 UTC. */
  at: string;
  /** Member name, or `unclaimed:<shell user>` while the warehouse has no members, or `unknown` for a bad token. */
  who: string;
  /** The member's role, when known. */
  role?: string;
  /** The command and its target, e.g. `restore 20261126T010903Z`. */
  action: string;
  outcome: AuditOutcome;
  /** Why it was denied or failed, or what it produced; secrets scrubbed. */
  detail?: string;
}

export function auditFilePath(warehouseDir: string): string {
  return path.join(warehouseDir, AUDIT_FILE);
}

/**
 * Appends one entry. The file is only ever appended to.
 * why: one write() of a short line with O_APPEND lands whole even when two commands append at once.
 */
export function appendAuditEntry(warehouseDir: string, entry: AuditEntry): void {
  fs.mkdirSync(warehouseDir, { recursive: true });
  const line = scrubSecrets(JSON.stringify(entry));
  fs.appendFileSync(auditFilePath(warehouseDir), `${line}\n`, { mode: 0o600 });
}

export interface AuditQuery {
  /** Only entries at or after this instant, UTC ms. */
  sinceMs?: number;
  /** Only the last N entries (after `sinceMs`). */
  limit?: number;
}

/** Entries in the order they were written; a torn last line (a crash mid-write) is skipped. */
export function readAuditEntries(warehouseDir: string, query: AuditQuery = {}): AuditEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(auditFilePath(warehouseDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as AuditEntry;
      if (query.sinceMs === undefined || Date.parse(entry.at) >= query.sinceMs) entries.push(entry);
    } catch {}
  }
  return query.limit === undefined ? entries : entries.slice(-query.limit);
}
