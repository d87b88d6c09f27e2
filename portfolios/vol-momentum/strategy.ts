import { z } from 'zod';
import { SESSIONS_PER_YEAR } from '../backtest-metrics.ts';
import { defineStrategy, PendingTargets } from '../strategy.ts';

const params = z
  .object({
    /** Bars of the rate of change and of the volatility estimate. */
    lookbackBars: z.number().int().min(2).max(1000).default(20),
    /** Enter when the rate of change exceeds this multiple of the volatility over the lookback. */
    volMultiple: z.number().gt(0).default(1.5),
    /** Annualised volatility a position is scaled to (weight = target / realised vol / names). */
    targetAnnualVol: z.number().gt(0).max(5).default(0.2),
    /** Largest weight of one name, fraction of equity. */
    maxWeight: z.number().gt(0).max(1).default(0.2),
    /** Risk-off: no new buys while cash / equity is below this fraction. */
    minCashFraction: z.number().min(0).max(1).default(0.1),
  })
  .strict();

const REGULAR_SESSION_MS = 390 * 60_000;

/**
 * Volatility-scaled momentum: the 20-bar rate of change against 1.5× the volatility of the same 20 bars (the
 * annualised volatility brought back to the 20-bar horizon). Above: buy, sized to a target annualised volatility;
 * below minus that band: sell. Risk-off below 10% cash: no new buys, exits only.
 */
export default defineStrategy({
  name: 'vol-momentum',
  params,
  warmupBars: (p) => p.lookbackBars + 1,
  create: (p, universe) => {
    const n = p.lookbackBars;
    const pending = new PendingTargets();
    return {
      onBar(s, { market, portfolio }) {
        pending.atBar(market.now);
        if (market.barCount(s) <= n) return;
        const close = market.close(s);
        const roc = close / market.close(s, n) - 1;
        let sum = 0;
        let sumSq = 0;
        for (let k = 0; k < n; k++) {
          const r = Math.log(market.close(s, k) / market.close(s, k + 1));
          sum += r;
          sumSq += r * r;
        }
        const barVar = (sumSq - (sum * sum) / n) / (n - 1);
        const barVol = Math.sqrt(Math.max(barVar, 0));
        if (!(barVol > 0)) return;
        const barMs = market.endAt(s) - market.startAt(s);
        const barsPerYear = SESSIONS_PER_YEAR * (REGULAR_SESSION_MS / Math.max(barMs, 60_000));
        const annualVol = barVol * Math.sqrt(barsPerYear);
        const band = p.volMultiple * barVol * Math.sqrt(n);
        const held = portfolio.position(s);
        if (roc > band && held === 0) {
          if (portfolio.cash < p.minCashFraction * portfolio.equity) return;
          const weight = Math.min(p.maxWeight, p.targetAnnualVol / annualVol / universe.length);
          pending.push(s, weight);
        } else if (roc < -band && held !== 0) {
          pending.push(s, 0);
        }
      },
      onDecision: () => pending.take(),
    };
  },
});
