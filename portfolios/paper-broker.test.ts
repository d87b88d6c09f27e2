import { describe, expect, it } from 'vitest';
import { commissionFeeModel, PaperBroker, slippageFillModel } from './paper-broker.ts';
import { PortfolioBook } from './portfolio-book.ts';

describe('the paper broker', () => {
  const fees = commissionFeeModel({ perShare: 0.01, bps: 2, minimum: 1.5 });

  it('charges per share plus bps of notional, never below the minimum', () => {
    // 1000 × 0.01 + 2 bps × 50,000 = 10 + 10
    expect(fees.commission(1000, 50)).toBeCloseTo(20, 12);
    expect(fees.commission(-1000, 50)).toBeCloseTo(20, 12);
    expect(fees.commission(10, 50)).toBe(1.5);
    expect(fees.commission(0, 50)).toBe(0);
  });

  it('fills at the open of the first bar that starts at or after the order, with slippage against the trader', () => {
    const broker = new PaperBroker(2, slippageFillModel(25), fees);
    broker.submit({ id: 1, symbolIndex: 0, quantity: 100, submittedAt: 1_000 });
    broker.submit({ id: 2, symbolIndex: 0, quantity: -40, submittedAt: 1_000 });
    expect(broker.hasOpenOrders(0)).toBe(true);
    expect(broker.hasOpenOrders(1)).toBe(false);
    expect(broker.onBarOpen(0, 50, 999)).toEqual([]);
    const fills = broker.onBarOpen(0, 50, 1_000);
    expect(fills.map((f) => [f.orderId, f.quantity, f.filledAt])).toEqual([
      [1, 100, 1_000],
      [2, -40, 1_000],
    ]);
    expect(fills[0]!.price).toBeCloseTo(50.125, 12);
    expect(fills[1]!.price).toBeCloseTo(49.875, 12);
    // 100 × 0.01 + 2 bps × 5,012.5 = 2.0025; 40 × 0.01 + 2 bps × 1,995 = 0.799 → minimum 1.5
    expect(fills[0]!.commission).toBeCloseTo(2.0025, 12);
    expect(fills[1]!.commission).toBe(1.5);
    expect(broker.hasOpenOrders(0)).toBe(false);
  });
});

describe('the book', () => {
  it('keeps cash, average cost with fees, and realised P&L for longs', () => {
    const book = new PortfolioBook(1, 10_000);
    expect(book.applyFill(0, 10, 100, 1)).toBe(0);
    expect(book.applyFill(0, 10, 110, 1)).toBe(0);
    expect(book.averageCost[0]).toBeCloseTo((1000 + 1 + 1100 + 1) / 20, 12);
    expect(book.cash).toBeCloseTo(10_000 - 2102, 12);
    // sell 15 at 120 with fee 3: realised = 15 × (120 − 105.1) − 3
    expect(book.applyFill(0, -15, 120, 3)).toBeCloseTo(15 * (120 - 105.1) - 3, 10);
    expect(book.quantity[0]).toBe(5);
    book.mark[0] = 130;
    expect(book.equity()).toBeCloseTo(10_000 - 2102 + 1800 - 3 + 650, 10);
  });

  it('realises short P&L and flips through zero at the fill price', () => {
    const book = new PortfolioBook(1, 0);
    book.applyFill(0, -10, 100, 1); // proceeds net 999 → 99.9 per share
    expect(book.averageCost[0]).toBeCloseTo(99.9, 12);
    // buy 15 at 90, fee 1.5: 10 close (fee 1), 5 open long at (450 + 0.5) / 5
    expect(book.applyFill(0, 15, 90, 1.5)).toBeCloseTo(10 * (99.9 - 90) - 1, 10);
    expect(book.quantity[0]).toBe(5);
    expect(book.averageCost[0]).toBeCloseTo(90.1, 12);
    expect(book.cash).toBeCloseTo(1000 - 1 - 1350 - 1.5, 10);
  });
});
