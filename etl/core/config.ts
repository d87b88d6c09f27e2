import path from 'node:path';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
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

// why zod/mini (zod's functional API, same package and engine): every command reads the configuration as it
// starts, and the full API took ~25 ms to load against ~7 for this one, each bundled alone
// (docs/performance.md#cli-start-up). Mini carries no messages of its own; English ones are configured here, as
// the full API does when it loads.
z.config(en());

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
/** `schema`, with an empty value (`KEY=` in .env) read as no value. */
const blankIsUnset = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.transform(emptyToUndefined), schema);
const int = (min: number, max: number) => z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max));
const optionalInt = (min: number, max: number) => blankIsUnset(z.optional(int(min, max)));
const intWithDefault = (min: number, max: number, fallback: number) =>
  blankIsUnset(z._default(int(min, max), fallback));

/** The environment, as read from `.env` and the process. `.env.example` lists the same keys in the same order. */
export const envSchema = z.object({
  FMP_API_KEY: blankIsUnset(z.optional(z.string().check(z.trim(), z.minLength(4)))),
  FMP_BASE_URL: blankIsUnset(
    z.optional(
      z.url({
        protocol: /^https?$/,
        error: 'must be an http(s) URL such as https://financialmodelingprep.com',
      }),
    ),
  ),
  FMP_PLAN: blankIsUnset(
    z._default(z.enum(FMP_PLANS, { error: `must be one of ${FMP_PLANS.join(', ')}` }), 'starter'),
  ),
  FMP_RATE_LIMIT_PER_MIN: optionalInt(1, 100_000),
  FMP_CONCURRENCY: intWithDefault(1, 64, 8),
  FMP_TIMEOUT_MS: intWithDefault(100, 600_000, 30_000),
  WAREHOUSE_DIR: blankIsUnset(z._default(z.string(), 'warehouse')),
  LOG_LEVEL: blankIsUnset(
    z._default(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  ),
  ETL_SCHEDULE_CRON: blankIsUnset(z._default(z.string(), '15 18 * * 1-5')),
  BACKUP_KEEP_DAILY: intWithDefault(0, 3650, 7),
  BACKUP_KEEP_WEEKLY: intWithDefault(0, 520, 4),
  MEMBER_AUTH_TOKEN: blankIsUnset(z.optional(z.string())),
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
