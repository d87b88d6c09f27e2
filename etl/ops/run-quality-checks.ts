import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection, Json } from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import { sqlIdentifier } from '../core/sql-literals.ts';
import { type IsoDate, isIsoDate } from '../core/time.ts';

/** The data-quality checks: one `assert_*.sql` per check, each returning the offending rows. */
export const QUALITY_TESTS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../sql/tests',
);

export interface QualityOptions {
  /** Check only sessions on or after this New York date; default: everything loaded. */
  since?: IsoDate;
  /** A bar-to-bar close move above this fraction with no split on record is a defect. Default 0.5. */
  jumpThreshold?: number;
  /** A symbol this many trading sessions behind the newest is stale. Default 3. */
  staleSessions?: number;
  /** Offending rows kept per check in the report. Default 20. */
  sampleRows?: number;
  /** Folder of the `assert_*.sql` files; default `sql/tests/`. */
  testsDir?: string;
}

export type QualitySeverity = 'error' | 'warn';

export interface QualityCheckResult {
  /** File name without `.sql`, e.g. `assert_bars_unique`. */
  name: string;
  /** The opening comment of the SQL file: what it checks. */
  description: string;
  /** Rows found, by severity. A check fails when it found any error row. */
  errorRows: number;
  warnRows: number;
  passed: boolean;
  /** The first offending rows, as JSON-safe objects. */
  sample: Record<string, Json>[];
}

export interface QualityReport {
  passed: boolean;
  since?: IsoDate;
  checks: QualityCheckResult[];
}

interface CheckFile {
  name: string;
  description: string;
  /** Fixed severity of every row, or `per row` when the query returns a `severity` column. */
  severity: QualitySeverity | 'per row';
  sql: string;
}

/** Reads the checks: the leading `--` comment is the description; a `-- severity:` line sets the severity. */
export function readQualityChecks(testsDir = QUALITY_TESTS_DIR): CheckFile[] {
  return fs
    .readdirSync(testsDir)
    .filter((f) => /^assert_.*\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = fs.readFileSync(path.join(testsDir, file), 'utf8');
      const header: string[] = [];
      for (const line of text.split('\n')) {
        if (!line.startsWith('--')) break;
        header.push(line.replace(/^--\s?/, ''));
      }
      const severityLine = header.find((l) => l.startsWith('severity:'));
      const severity = (severityLine?.slice('severity:'.length).trim() ?? 'error') as CheckFile['severity'];
      if (!['error', 'warn', 'per row'].includes(severity))
        throw new Error(`${file}: severity must be error, warn or per row, got ${JSON.stringify(severity)}`);
      const description = header
        .filter((l) => !l.startsWith('severity:'))
        .join(' ')
        .trim();
      if (!description) throw new Error(`${file}: open with a comment saying what the check asserts`);
      return {
        name: file.replace(/\.sql$/, ''),
        description,
        severity,
        sql: text.trim().replace(/;\s*$/, ''),
      };
    });
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new UsageError(`${name} must be a number ≥ 0, got ${value}`);
  return value;
}

/**
 * Runs every check in `sql/tests/` on a connection whose catalog holds the marts `bars`, `sessions` and `splits`
 * (the warehouse reader's). Options reach the SQL as DuckDB variables: `quality_since`, `quality_jump_threshold`,
 * `quality_stale_sessions`.
 */
export async function runQualityChecks(
  connection: DuckDBConnection,
  options: QualityOptions = {},
): Promise<QualityReport> {
  if (options.since !== undefined && !isIsoDate(options.since))
    throw new UsageError(`--since ${JSON.stringify(options.since)} is not a date: use YYYY-MM-DD`);
  const sampleRows = options.sampleRows ?? 20;
  const jumpThreshold = nonNegative(options.jumpThreshold ?? 0.5, 'the jump threshold');
  const staleSessions = nonNegative(options.staleSessions ?? 3, 'the stale-session limit');
  await connection.run('SET VARIABLE quality_since = $1::DATE', [options.since ?? null]);
  await connection.run('SET VARIABLE quality_jump_threshold = $1::DOUBLE', [jumpThreshold]);
  await connection.run('SET VARIABLE quality_stale_sessions = $1::INTEGER', [staleSessions]);
  const checks: QualityCheckResult[] = [];
  for (const check of readQualityChecks(options.testsDir)) {
    const table = `quality_${check.name}`;
    // why: the check reads the lake; a publish renaming a file under it is retried (the statement is idempotent).
    await connection.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${check.sql}`);
    try {
      const severityOf = check.severity === 'per row' ? `coalesce(severity, 'error')` : '$severity::VARCHAR';
      const counts = (
        await connection.runAndReadAll(
          `SELECT count(*) FILTER (WHERE ${severityOf} = 'error')::INTEGER AS errors,
                  count(*) FILTER (WHERE ${severityOf} <> 'error')::INTEGER AS warns FROM ${table}`,
          check.severity === 'per row' ? undefined : { severity: check.severity },
        )
      ).getRowObjectsJson()[0]!;
      // why: DuckDB renders TIMESTAMPTZ in the session's TimeZone (the process zone); reports show UTC ISO.
      const columns = (await connection.runAndReadAll(`DESCRIBE ${table}`)).getRowObjectsJson();
      const select = columns
        .map(({ column_name, column_type: type }) => {
          const name = sqlIdentifier(String(column_name));
          return type === 'TIMESTAMP WITH TIME ZONE'
            ? `strftime(timezone('UTC', ${name}), '%Y-%m-%dT%H:%M:%SZ') AS ${name}`
            : name;
        })
        .join(', ');
      const sample = (
        await connection.runAndReadAll(`SELECT ${select} FROM ${table} LIMIT $1`, [sampleRows])
      ).getRowObjectsJson();
      const errorRows = Number(counts.errors);
      checks.push({
        name: check.name,
        description: check.description,
        errorRows,
        warnRows: Number(counts.warns),
        passed: errorRows === 0,
        sample,
      });
    } finally {
      await connection.run(`DROP TABLE IF EXISTS ${table}`);
    }
  }
  return {
    passed: checks.every((c) => c.passed),
    ...(options.since ? { since: options.since } : {}),
    checks,
  };
}
