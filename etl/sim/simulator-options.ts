/**
 * The simulator's options (plan, limits, seed, clock, faults, caps) and the state a running server answers from:
 * built once at start and rebuilt by `configure`, which merges a patch into the current options.
 */
import { type Clock, systemClock } from '../core/clock.ts';
import type { FmpPlan } from '../core/config.ts';
import type { IntradayInterval } from '../core/intervals.ts';
import { CallLimiter } from './call-limiter.ts';
import { planProfile, type SimPlanProfile } from './sim-plans.ts';
import { DEFAULT_EOD_ROW_CAP, DEFAULT_INTRADAY_CAPS, type SimRangeCap } from './sim-routes.ts';
import { BASIC_PLAN_SYMBOLS } from './sim-symbols.ts';

/** Fault injection. Random faults are drawn per request from a seeded stream: the n-th request always gets the same. */
export interface SimFaults {
  /** Added before every FMP answer (waited with the clock's sleep), ms. Default 0. */
  latencyMs: number;
  /** Extra latency drawn uniformly from [0, latencyJitterMs), ms. Default 0. */
  latencyJitterMs: number;
  /** Share (0–1) of calls answered 503 (nginx HTML). Default 0. */
  serverErrorShare: number;
  /** Share of calls whose connection is reset before any answer. Default 0. */
  resetShare: number;
  /** Share of 200 answers cut off mid-body (the connection closes before the last chunk). Default 0. */
  truncateShare: number;
  /** Share of 200 answers whose body is broken JSON (complete HTTP message). Default 0. */
  malformedShare: number;
  /** Share of calls answered 200 with `{"Error Message": "Limit Reach ..."}`. Default 0. */
  limitReach200Share: number;
  /** Every FMP call answers 429 `Bandwidth Limit Reach`. Default false. */
  bandwidthExhausted: boolean;
  /** Once this many response bytes were sent, behave as bandwidthExhausted. Default null (no limit). */
  bandwidthLimitBytes: number | null;
  /** More than this many calls within one second (by the clock) answer 503. Default null (no burst limit). */
  burstPerSecond: number | null;
  /** Seed of the fault stream. Default: the data seed. */
  seed: number | undefined;
}

export const NO_FAULTS: SimFaults = {
  latencyMs: 0,
  latencyJitterMs: 0,
  serverErrorShare: 0,
  resetShare: 0,
  truncateShare: 0,
  malformedShare: 0,
  limitReach200Share: 0,
  bandwidthExhausted: false,
  bandwidthLimitBytes: null,
  burstPerSecond: null,
  seed: undefined,
};

export type SimFaultKind =
  | 'reset'
  | 'serverError'
  | 'truncate'
  | 'malformed'
  | 'limitReach200'
  | 'bandwidth'
  | 'burst';

export interface SimulatorOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** The one valid key; any other or a missing one answers 401. Default 'demo'. */
  apiKey?: string;
  /** Plan whose gates apply (docs/fmp.md#plans-and-rate-limits). Default 'ultimate'. */
  plan?: FmpPlan;
  /** Overrides of the plan's gates and limits. */
  planProfile?: Partial<SimPlanProfile>;
  /** Calls per rolling minute before 429 `Limit Reach`; null = none. Default null (benchmarks). */
  rateLimitPerMin?: number | null;
  /** Calls per New York day before 429 `Limit Reach`; null = none. Default null. */
  rateLimitPerDay?: number | null;
  /** Enforce the plan's own per-minute / per-day limits (explicit limits above win). Default false. */
  enforcePlanLimits?: boolean;
  /** Data seed. Default 1. */
  seed?: number;
  /** Time source: only bars that ended by clock.now() exist; limits count by it. Default the system clock. */
  clock?: Clock;
  faults?: Partial<SimFaults>;
  /** Silent intraday range caps that keep the newest rows; null disables one. Defaults: DEFAULT_INTRADAY_CAPS. */
  caps?: Partial<Record<IntradayInterval, SimRangeCap | null>>;
  /** EOD rows per request. Default 5,000. */
  eodRowCap?: number;
  /** Symbols that answer `[]`, besides the built-in rule (prefix `ZZZ`, or not in FMP's spelling). */
  unknownSymbols?: string[];
  /**
   * Treat the key as a pre-2025-09 "legacy" key: serve `/api/v3/historical-chart/{interval}/{SYMBOL}`,
   * `/api/v3/historical-price-full/{SYMBOL}` and `/api/v3/quote/{A,B}` in v3 shapes instead of 403. Default false.
   */
  legacyKey?: boolean;
  /** Bytes of rendered bodies kept for repeated requests. Default 64 MiB. */
  responseCacheBytes?: number;
}

/** What a running simulator answers from: the options with their defaults applied, and its call counters. */
export interface SimState {
  apiKey: string;
  seed: number;
  clock: Clock;
  plan: SimPlanProfile;
  faults: SimFaults;
  caps: Record<IntradayInterval, SimRangeCap | null>;
  eodRowCap: number;
  unknownSymbols: Set<string>;
  limiter: CallLimiter;
  burstLimiter: CallLimiter | undefined;
  options: SimulatorOptions;
}

export function buildState(options: SimulatorOptions): SimState {
  const planName = options.plan ?? 'ultimate';
  const plan = { ...planProfile(planName, BASIC_PLAN_SYMBOLS), ...options.planProfile };
  const enforce = options.enforcePlanLimits ?? false;
  const perMinute = options.rateLimitPerMin ?? (enforce ? plan.perMinute : undefined);
  const perDay = options.rateLimitPerDay ?? (enforce ? plan.perDay : undefined);
  const faults = { ...NO_FAULTS, ...options.faults };
  return {
    apiKey: options.apiKey ?? 'demo',
    seed: options.seed ?? 1,
    clock: options.clock ?? systemClock,
    plan,
    faults,
    caps: { ...DEFAULT_INTRADAY_CAPS, ...options.caps },
    eodRowCap: options.eodRowCap ?? DEFAULT_EOD_ROW_CAP,
    unknownSymbols: new Set(options.unknownSymbols ?? []),
    limiter: new CallLimiter(perMinute, perDay),
    burstLimiter:
      faults.burstPerSecond === null ? undefined : new CallLimiter(faults.burstPerSecond, undefined, 1000),
    options,
  };
}

/** The state after `configure(patch)`: faults, caps and planProfile merge into the current ones. */
export function reconfigure(previous: SimState, patch: Partial<SimulatorOptions>): SimState {
  const merged: SimulatorOptions = {
    ...previous.options,
    ...patch,
    faults: { ...previous.options.faults, ...patch.faults },
    caps: { ...previous.options.caps, ...patch.caps },
    planProfile: { ...previous.options.planProfile, ...patch.planProfile },
  };
  const state = buildState(merged);
  // why: changing faults or caps mid-test must not forgive calls already charged.
  const limitsChanged = (
    ['plan', 'planProfile', 'rateLimitPerMin', 'rateLimitPerDay', 'enforcePlanLimits', 'clock'] as const
  ).some((k) => k in patch);
  if (!limitsChanged) state.limiter = previous.limiter;
  return state;
}
