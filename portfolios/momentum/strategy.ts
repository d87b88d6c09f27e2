import { z } from 'zod';
import { defineStrategy, PendingTargets } from '../strategy.ts';

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
    const pending = new PendingTargets();
    return {
      onBar(s, { market, portfolio }) {
        pending.atBar(market.now);
        const previous = market.close(s, 1);
        if (!(previous > 0)) return;
        const ratio = market.close(s, 0) / previous;
        if (ratio > up) pending.push(s, p.weight);
        else if (ratio < down && portfolio.position(s) !== 0) pending.push(s, 0);
      },
      onDecision: () => pending.take(),
    };
  },
});
