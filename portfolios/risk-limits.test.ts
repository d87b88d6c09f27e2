import { describe, expect, it } from 'vitest';
import { commissionFeeModel, slippageFillModel } from './paper-broker.ts';
import { type RiskLimits, riskLimitsSchema } from './portfolio-config.ts';
import { applyRiskLimits, type RiskSnapshot } from './risk-limits.ts';

const symbols = ['AAA', 'BBB', 'CCC'];
const costs = (() => {
  const fill = slippageFillModel(0);
  const fee = commissionFeeModel({ perShare: 0, bps: 0, minimum: 0 });
  return { price: fill.price, commission: fee.commission };
})();
const limits = (over: Partial<RiskLimits> = {}): RiskLimits =>
  riskLimitsSchema.parse({
    maxWeightPerName: 1,
    maxGrossExposure: 10,
    maxNetExposure: 10,
    maxLeverage: 10,
    buyingPowerMultiple: 10,
    minCashFraction: 0,
    allowShort: true,
    ...over,
  });
// 10,000 equity: 5,000 cash, 50 AAA at 100 (5,000), nothing else; prices 100, 50, 20
const snapshot = (over: Partial<RiskSnapshot> = {}): RiskSnapshot => ({
  cash: 5000,
  equity: 10_000,
  allocatedCapital: 10_000,
  quantity: new Float64Array([50, 0, 0]),
  mark: new Float64Array([100, 50, 20]),
  ...over,
});
const check = (intents: { symbolIndex: number; quantity: number }[], l: RiskLimits, s = snapshot()) =>
  applyRiskLimits(intents, s, l, costs, symbols);

describe('risk limits', () => {
  it('accept an order inside every limit', () => {
    const out = check([{ symbolIndex: 1, quantity: 20 }], limits());
    expect(out.accepted).toEqual([{ symbolIndex: 1, quantity: 20 }]);
    expect(out.refused).toEqual([]);
  });

  it('refuse a short when shorting is off, but allow selling down to flat', () => {
    const out = check(
      [
        { symbolIndex: 0, quantity: -50 },
        { symbolIndex: 1, quantity: -1 },
      ],
      limits({ allowShort: false }),
    );
    expect(out.accepted).toEqual([{ symbolIndex: 0, quantity: -50 }]);
    expect(out.refused.map((r) => r.reason)).toEqual([
      'BBB sell 1: would leave -1 shares short; shorting is off for this portfolio',
    ]);
  });

  it('refuse growing a name past the max weight, not shrinking it', () => {
    const l = limits({ maxWeightPerName: 0.4 });
    const out = check(
      [
        { symbolIndex: 0, quantity: 1 },
        { symbolIndex: 1, quantity: 80 },
        { symbolIndex: 1, quantity: 81 },
      ],
      l,
    );
    // AAA is already 50% > 40%: even one more share is refused; BBB 80 × 50 = 40% is fine, 81 more make 161 × 50 = 80.5%
    expect(out.accepted).toEqual([{ symbolIndex: 1, quantity: 80 }]);
    expect(out.refused.map((r) => r.reason)).toEqual([
      'AAA buy 1: weight 51.00% > max 40.00% per name',
      'BBB buy 81: weight 80.50% > max 40.00% per name',
    ]);
    expect(check([{ symbolIndex: 0, quantity: -10 }], l).accepted).toHaveLength(1);
  });

  it('refuse what would take gross exposure past its limit', () => {
    const out = check([{ symbolIndex: 2, quantity: -300 }], limits({ maxGrossExposure: 1 }));
    expect(out.refused.map((r) => r.reason)).toEqual([
      'CCC sell 300: gross exposure 110.00% of allocated capital > max 100.00%',
    ]);
  });

  it('refuse what would take net exposure past its limit', () => {
    const out = check(
      [
        { symbolIndex: 1, quantity: 40 },
        { symbolIndex: 2, quantity: -100 },
      ],
      limits({ maxNetExposure: 0.6 }),
    );
    // the short of CCC (−20%) lowers net to 30% and passes; then 40 BBB (+20%) makes 50%, inside 60%
    expect(out.accepted).toEqual([
      { symbolIndex: 2, quantity: -100 },
      { symbolIndex: 1, quantity: 40 },
    ]);
    const refused = check([{ symbolIndex: 1, quantity: 40 }], limits({ maxNetExposure: 0.6 }));
    expect(refused.refused.map((r) => r.reason)).toEqual([
      'BBB buy 40: net exposure 70.00% of allocated capital > max ±60.00%',
    ]);
  });

  it('refuse what would take leverage past its limit when equity fell below the allocated capital', () => {
    const s = snapshot({ cash: 0, equity: 5000 });
    const out = check([{ symbolIndex: 2, quantity: -1 }], limits({ maxLeverage: 1 }), s);
    expect(out.refused.map((r) => r.reason)).toEqual(['CCC sell 1: leverage 1.004× > max 1×']);
  });

  it('refuse a buy that costs more than the buying power', () => {
    const out = check([{ symbolIndex: 1, quantity: 101 }], limits({ buyingPowerMultiple: 1 }));
    expect(out.refused.map((r) => r.reason)).toEqual([
      'BBB buy 101: costs 5050.00 USD, buying power is 5000.00 USD',
    ]);
    expect(check([{ symbolIndex: 1, quantity: 100 }], limits({ buyingPowerMultiple: 1 })).refused).toEqual(
      [],
    );
  });

  it('refuse a buy that would leave cash below the floor', () => {
    const out = check([{ symbolIndex: 1, quantity: 81 }], limits({ minCashFraction: 0.1 }));
    expect(out.refused.map((r) => r.reason)).toEqual([
      'BBB buy 81: cash would fall to 950.00 USD (9.50%), below the floor of 10.00%',
    ]);
    expect(check([{ symbolIndex: 1, quantity: 80 }], limits({ minCashFraction: 0.1 })).refused).toEqual([]);
  });

  it('refuse an order on a name without a price, and fractional shares', () => {
    const s = snapshot({ mark: new Float64Array([100, Number.NaN, 20]) });
    const out = check(
      [
        { symbolIndex: 1, quantity: 1 },
        { symbolIndex: 2, quantity: 1.5 },
      ],
      limits(),
      s,
    );
    expect(out.refused.map((r) => r.reason)).toEqual([
      'BBB buy 1: no price yet (no closed bar for this symbol)',
      'CCC buy 1.5: quantity must be whole shares',
    ]);
  });
});
