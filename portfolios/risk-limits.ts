import type { RiskLimits } from './portfolio-config.ts';
import type { OrderIntent } from './strategy.ts';

/** The portfolio as the risk checks see it at a decision time: open orders already counted in. */
export interface RiskSnapshot {
  cash: number;
  equity: number;
  /** The portfolio's allocated capital (manager capital × share), USD: the base of the exposure limits. */
  allocatedCapital: number;
  /** Signed shares held plus open orders. */
  quantity: Float64Array;
  /** Latest close per symbol (NaN when none yet). */
  mark: Float64Array;
}

/** Estimates of what an order will cost, from the broker's fill and fee models. */
export interface CostEstimator {
  price(quantity: number, mark: number): number;
  commission(quantity: number, price: number): number;
}

export interface RefusedIntent {
  symbolIndex: number;
  quantity: number;
  reason: string;
}

export interface RiskOutcome {
  accepted: OrderIntent[];
  refused: RefusedIntent[];
}

const EPSILON = 1e-9;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const usd = (x: number) => x.toFixed(2);

/**
 * Applies the risk limits to order intents, one at a time against the state the accepted ones leave behind:
 * sells first (they free cash and reduce exposure), then buys, each group by symbol. Orders that only reduce a
 * position never fail the exposure limits. Returns the accepted orders and every refusal with its reason.
 */
export function applyRiskLimits(
  intents: readonly OrderIntent[],
  snapshot: RiskSnapshot,
  limits: RiskLimits,
  costs: CostEstimator,
  symbols: readonly string[],
): RiskOutcome {
  const ordered = intents
    .filter((i) => i.quantity !== 0)
    .slice()
    .sort((a, b) => Math.sign(a.quantity) - Math.sign(b.quantity) || a.symbolIndex - b.symbolIndex);
  const { equity, allocatedCapital } = snapshot;
  let cash = snapshot.cash;
  let gross = 0;
  let net = 0;
  const qty = snapshot.quantity.slice();
  for (let s = 0; s < qty.length; s++) {
    if (qty[s] === 0) continue;
    const v = qty[s]! * snapshot.mark[s]!;
    if (Number.isNaN(v)) continue;
    gross += Math.abs(v);
    net += v;
  }
  const accepted: OrderIntent[] = [];
  const refused: RefusedIntent[] = [];
  for (const intent of ordered) {
    const s = intent.symbolIndex;
    const dq = intent.quantity;
    const name = `${symbols[s]} ${dq > 0 ? 'buy' : 'sell'} ${Math.abs(dq)}`;
    const refuse = (reason: string) =>
      refused.push({ symbolIndex: s, quantity: dq, reason: `${name}: ${reason}` });
    if (!Number.isInteger(dq)) {
      refuse('quantity must be whole shares');
      continue;
    }
    const mark = snapshot.mark[s]!;
    if (!(mark > 0)) {
      refuse('no price yet (no closed bar for this symbol)');
      continue;
    }
    const before = qty[s]!;
    const after = before + dq;
    const valueBefore = before * mark;
    const valueAfter = after * mark;
    const grossAfter = gross - Math.abs(valueBefore) + Math.abs(valueAfter);
    const netAfter = net - valueBefore + valueAfter;
    const price = costs.price(dq, mark);
    const fee = costs.commission(dq, price);
    const cashDelta = -(dq * price + fee);
    const growsName = Math.abs(after) > Math.abs(before);
    const growsGross = grossAfter > gross + EPSILON;
    if (!limits.allowShort && after < 0) {
      refuse(`would leave ${after} shares short; shorting is off for this portfolio`);
      continue;
    }
    if (growsName && Math.abs(valueAfter) > limits.maxWeightPerName * equity + EPSILON) {
      refuse(`weight ${pct(Math.abs(valueAfter) / equity)} > max ${pct(limits.maxWeightPerName)} per name`);
      continue;
    }
    if (growsGross && grossAfter > limits.maxGrossExposure * allocatedCapital + EPSILON) {
      refuse(
        `gross exposure ${pct(grossAfter / allocatedCapital)} of allocated capital > max ${pct(limits.maxGrossExposure)}`,
      );
      continue;
    }
    if (
      Math.abs(netAfter) > Math.abs(net) + EPSILON &&
      Math.abs(netAfter) > limits.maxNetExposure * allocatedCapital + EPSILON
    ) {
      refuse(
        `net exposure ${pct(netAfter / allocatedCapital)} of allocated capital > max ±${pct(limits.maxNetExposure)}`,
      );
      continue;
    }
    if (growsGross && grossAfter > limits.maxLeverage * equity + EPSILON) {
      refuse(`leverage ${(grossAfter / equity).toFixed(3)}× > max ${limits.maxLeverage}×`);
      continue;
    }
    if (cashDelta < 0) {
      const buyingPower = cash + (limits.buyingPowerMultiple - 1) * equity;
      if (-cashDelta > buyingPower + EPSILON) {
        refuse(`costs ${usd(-cashDelta)} USD, buying power is ${usd(buyingPower)} USD`);
        continue;
      }
      if (cash + cashDelta < limits.minCashFraction * equity - EPSILON) {
        refuse(
          `cash would fall to ${usd(cash + cashDelta)} USD (${pct((cash + cashDelta) / equity)}), below the floor of ${pct(limits.minCashFraction)}`,
        );
        continue;
      }
    }
    cash += cashDelta;
    gross = grossAfter;
    net = netAfter;
    qty[s] = after;
    accepted.push({ symbolIndex: s, quantity: dq });
  }
  return { accepted, refused };
}
