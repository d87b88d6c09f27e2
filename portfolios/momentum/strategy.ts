import { z } from 'zod';
import { defineStrategy, type TargetWeight } from '../strategy.ts';

const params = z
  .object({
    /** Move of the last close against the previous one that triggers a trade (0.01 = 1%). */
    threshold: z.number().gt(0).max(1).default(0.01),
    /** Target weight of a name after a buy signal, fraction of equity. */
    weight: z.number().gt(0).max(1).default(0.1),
  })
  .strict();

/** Momentum: buy when the last close is > threshold above the previous close, sell when > threshold below. */
export default defineStrategy({
  name: 'momentum',
  params,
  warmupBars: () => 2,
  create: (p) => {
    const up = 1 + p.threshold;
    const down = 1 - p.threshold;
    let pending: TargetWeight[] = [];
    let sliceAt = Number.NaN;
    return {
      onBar(s, { market, portfolio }) {
        // why: a signal is about the latest close only; one left from an earlier bar close is stale.
        if (market.now !== sliceAt) {
          sliceAt = market.now;
          if (pending.length > 0) pending = [];
        }
        const previous = market.close(s, 1);
        if (!(previous > 0)) return;
        const ratio = market.close(s, 0) / previous;
        if (ratio > up) pending.push({ symbolIndex: s, weight: p.weight });
        else if (ratio < down && portfolio.position(s) !== 0) pending.push({ symbolIndex: s, weight: 0 });
      },
      onDecision() {
        if (pending.length === 0) return undefined;
        const targets = pending;
        pending = [];
        return { targets };
      },
    };
  },
});
