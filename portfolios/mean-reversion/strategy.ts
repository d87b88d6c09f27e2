import { z } from 'zod';
import { MS_PER_MINUTE } from '../../etl/core/time.ts';
import { defineStrategy, type TargetWeight } from '../strategy.ts';

const params = z
  .object({
    /** Length of the trailing window whose mean close is the reference, minutes. */
    windowMinutes: z.number().int().min(2).max(390).default(30),
    /** Buy when the close is this fraction below the window mean (0 = any amount below). */
    entryDiscount: z.number().min(0).max(0.5).default(0.002),
    /** Target weight of a name while held, fraction of equity. */
    weight: z.number().gt(0).max(1).default(0.1),
    /** Fewest closes the window must hold before it is trusted. */
    minBars: z.number().int().min(2).default(10),
    /** Flatten and stop entering this many minutes before the session close. */
    exitMinutesBeforeClose: z.number().int().min(0).max(390).default(5),
  })
  .strict();

/**
 * Intraday mean reversion: buy a name whose close is below the mean of its closes of the last 30 minutes, sell it
 * once the close is back at or above that mean, and be flat before the session closes.
 */
export default defineStrategy({
  name: 'mean-reversion',
  params,
  warmupBars: (p) => p.windowMinutes,
  create: (p) => {
    const windowMs = p.windowMinutes * MS_PER_MINUTE;
    const exitMs = p.exitMinutesBeforeClose * MS_PER_MINUTE;
    return {
      onDecision({ market, portfolio, sessionCloseAt }) {
        const targets: TargetWeight[] = [];
        const closing = !(sessionCloseAt - market.now > exitMs);
        for (let s = 0; s < market.symbols.length; s++) {
          // why: only names with a bar that closed right now have news; the others keep their state.
          if (market.endAt(s) !== market.now) continue;
          const held = portfolio.position(s);
          if (closing) {
            if (held !== 0) targets.push({ symbolIndex: s, weight: 0 });
            continue;
          }
          const window = market.closesSince(s, market.now - windowMs);
          if (window.length < p.minBars) continue;
          let sum = 0;
          for (const c of window) sum += c;
          const mean = sum / window.length;
          const close = market.close(s);
          if (held === 0 && close < mean * (1 - p.entryDiscount))
            targets.push({ symbolIndex: s, weight: p.weight });
          else if (held > 0 && close >= mean) targets.push({ symbolIndex: s, weight: 0 });
        }
        return targets.length > 0 ? { targets } : undefined;
      },
    };
  },
});
