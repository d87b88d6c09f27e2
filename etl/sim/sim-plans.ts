/**
 * FMP plan profiles as the simulator enforces them (docs/fmp.md#plans-and-rate-limits). Which plan unlocks what is
 * partly unconfirmed, so every gate is a field that SimulatorOptions.planProfile can override.
 */
import { type FmpPlan, PLAN_LIMITS } from '../core/config.ts';
import type { IntradayInterval } from '../core/intervals.ts';

export interface SimPlanProfile {
  /** Calls per minute (rolling 60 s), or undefined for none. */
  perMinute: number | undefined;
  /** Calls per New York calendar day, or undefined for none. */
  perDay: number | undefined;
  /** Intraday intervals the plan may call; the others answer 402 Restricted Endpoint. */
  intradayIntervals: readonly IntradayInterval[];
  /** Whether `extended=true` is honoured; otherwise it answers 402 Premium Query Parameter (Special Parameters). */
  extendedHours: boolean;
  batchQuote: boolean;
  stockList: boolean;
  /** Only these symbols may be queried (402 symbol gate for others); undefined = all. */
  symbols: readonly string[] | undefined;
  /** Highest `limit` on dividends and splits (402 Special Parameters above it); undefined = no ceiling. */
  maxLimit: number | undefined;
}

const ALL_INTERVALS: readonly IntradayInterval[] = ['1min', '5min', '15min', '30min', '1hour', '4hour'];

export function planProfile(plan: FmpPlan, basicSymbols: readonly string[]): SimPlanProfile {
  const limits = PLAN_LIMITS[plan];
  switch (plan) {
    case 'basic':
      return {
        perMinute: limits.perMinute,
        perDay: limits.perDay,
        intradayIntervals: [],
        extendedHours: false,
        batchQuote: false,
        stockList: false,
        symbols: basicSymbols,
        maxLimit: 5,
      };
    case 'starter':
      return {
        perMinute: limits.perMinute,
        perDay: limits.perDay,
        intradayIntervals: ALL_INTERVALS.filter((i) => i !== '1min'),
        extendedHours: false,
        batchQuote: true,
        stockList: true,
        symbols: undefined,
        maxLimit: undefined,
      };
    case 'premium':
    case 'ultimate':
      return {
        perMinute: limits.perMinute,
        perDay: limits.perDay,
        intradayIntervals: ALL_INTERVALS,
        extendedHours: true,
        batchQuote: true,
        stockList: true,
        symbols: undefined,
        maxLimit: undefined,
      };
  }
}
