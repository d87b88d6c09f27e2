import path from 'node:path';
import * as z from 'zod';
import { ConfigError } from './errors.ts';
import { registerSecret } from './secrets.ts';

export const FMP_PLANS = ['basic', 'starter', 'premium', 'ultimate'] as const;
export type FmpPlan = (typeof FMP_PLANS)[number];

/** Call limits of each FMP plan (docs/fmp.md#plans-and-rate-limits). Basic: per day; the others per minute. */
export const PLAN_LIMITS: Record<FmpPlan, { perMinute?: number; perDay?: number }> = {
  basic: { perDay: 250 },
  starter: { perMinute: 300 },
  premium: { perMinute: 750 },
  ultimate: { perMinute: 3000 },
};

export const DEFAULT_FMP_BASE_URL = 'https://financialmodelingprep.com';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalInt = (min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).optional());
const intWithDefault = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

/** The environment, as read from `.env` and the process. `.env.example` lists the same keys in the same order. */
export const envSchema = z.object({
  FMP_API_KEY: z.preprocess(emptyToUndefined, z.string().trim().min(4).optional()),
  FMP_BASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .url({
        protocol: /^https?$/,
        error: 'must be an http(s) URL such as https://financialmodelingprep.com',
      })
      .optional(),
  ),
  FMP_PLAN: z.preprocess(
    emptyToUndefined,
    z.enum(FMP_PLANS, { error: `must be one of ${FMP_PLANS.join(', ')}` }).default('starter'),
  ),
  FMP_RATE_LIMIT_PER_MIN: optionalInt(1, 100_000),
  FMP_CONCURRENCY: intWithDefault(1, 64, 8),
  FMP_TIMEOUT_MS: intWithDefault(100, 600_000, 30_000),
  WAREHOUSE_DIR: z.preprocess(emptyToUndefined, z.string().default('warehouse')),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  ETL_SCHEDULE_CRON: z.preprocess(emptyToUndefined, z.string().default('15 18 * * 1-5')),
  BACKUP_KEEP_DAILY: intWithDefault(0, 3650, 7),
  BACKUP_KEEP_WEEKLY: intWithDefault(0, 520, 4),
  MEMBER_AUTH_TOKEN: z.preprocess(emptyToUndefined, z.string().optional()),
});

export interface Config {
  /** FMP API key; undefined means "use the built-in simulator". Never log it. */
  fmpApiKey: string | undefined;
  /** FMP origin without a path; the client appends `/stable/...`. Undefined means the built-in simulator. */
  fmpBaseUrl: string | undefined;
  fmpPlan: FmpPlan;
  /** Calls per minute the client may start; from FMP_RATE_LIMIT_PER_MIN or the plan. */
  rateLimitPerMin: number;
  /** Calls per day (Basic plan only). */
  rateLimitPerDay: number | undefined;
  /** Most requests in flight at once. */
  concurrency: number;
  /** Timeout of one HTTP request, ms. */
  timeoutMs: number;
  /** Absolute path of the warehouse folder. */
  warehouseDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Cron expression, America/New_York wall time, for `mqs schedule`. */
  scheduleCron: string;
  backupKeepDaily: number;
  backupKeepWeekly: number;
  /** The member's token for access control; never log it. */
  memberToken: string | undefined;
}

/**
 * Reads and validates the configuration. The first problem is reported as `.env: KEY: message`.
 * Nothing below the CLI root reads `process.env`: the root passes the result down.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join('.');
    throw new ConfigError(`.env: ${key}: ${issue.message} (got ${JSON.stringify(env[key] ?? '')})`);
  }
  const e = parsed.data;
  registerSecret(e.FMP_API_KEY);
  registerSecret(e.MEMBER_AUTH_TOKEN);
  const plan = PLAN_LIMITS[e.FMP_PLAN];
  const baseUrl = e.FMP_BASE_URL ?? (e.FMP_API_KEY ? DEFAULT_FMP_BASE_URL : undefined);
  return {
    fmpApiKey: e.FMP_API_KEY,
    fmpBaseUrl: baseUrl?.replace(/\/+$/, ''),
    fmpPlan: e.FMP_PLAN,
    rateLimitPerMin: e.FMP_RATE_LIMIT_PER_MIN ?? plan.perMinute ?? plan.perDay!,
    rateLimitPerDay: plan.perDay,
    concurrency: e.FMP_CONCURRENCY,
    timeoutMs: e.FMP_TIMEOUT_MS,
    warehouseDir: path.resolve(cwd, e.WAREHOUSE_DIR),
    logLevel: e.LOG_LEVEL,
    scheduleCron: e.ETL_SCHEDULE_CRON,
    backupKeepDaily: e.BACKUP_KEEP_DAILY,
    backupKeepWeekly: e.BACKUP_KEEP_WEEKLY,
    memberToken: e.MEMBER_AUTH_TOKEN,
  };
}
