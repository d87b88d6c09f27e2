/** A fill as the books record it. Quantities are signed whole shares; prices USD per share. */
export interface Fill {
  orderId: number;
  symbolIndex: number;
  quantity: number;
  price: number;
  /** USD, ≥ 0. */
  commission: number;
  /** When the fill happened: the filling bar's bar_start_at, UTC ms. */
  filledAt: number;
  /** P&L realised by the part of the fill that closed an existing position, net of fees, USD. */
  realizedPnl: number;
  /** Whether part of this fill closed (reduced) a position. */
  closesPosition: boolean;
}

/**
 * Cash and positions of one portfolio, with average-cost accounting: a position's cost basis includes the fees
 * of the fills that opened it, so realised + unrealised P&L always equals the change in equity.
 */
export class PortfolioBook {
  cash: number;
  readonly quantity: Float64Array;
  /** Cost basis per share, fees included (for a short: net proceeds per share). */
  readonly averageCost: Float64Array;
  /** Last close seen per symbol (NaN before the first). */
  readonly mark: Float64Array;
  realizedPnl = 0;
  commissionPaid = 0;
  /** Σ |quantity × price| of all fills, USD. */
  tradedNotional = 0;

  constructor(symbolCount: number, cash: number) {
    this.cash = cash;
    this.quantity = new Float64Array(symbolCount);
    this.averageCost = new Float64Array(symbolCount);
    this.mark = new Float64Array(symbolCount).fill(Number.NaN);
  }

  position(symbolIndex: number): number {
    return this.quantity[symbolIndex]!;
  }

  /** Applies a fill's cash and position effects; returns the realised P&L of its closing part. */
  applyFill(symbolIndex: number, quantity: number, price: number, commission: number): number {
    const held = this.quantity[symbolIndex]!;
    const cost = this.averageCost[symbolIndex]!;
    this.cash -= quantity * price + commission;
    this.commissionPaid += commission;
    this.tradedNotional += Math.abs(quantity * price);
    let realized = 0;
    let openingQty = quantity;
    let openingFee = commission;
    if (held !== 0 && Math.sign(quantity) !== Math.sign(held)) {
      const closing = Math.sign(quantity) * Math.min(Math.abs(quantity), Math.abs(held));
      const closingFee = (commission * Math.abs(closing)) / Math.abs(quantity);
      realized = -(price - cost) * closing - closingFee;
      openingQty = quantity - closing;
      openingFee = commission - closingFee;
      this.quantity[symbolIndex] = held + closing;
      if (this.quantity[symbolIndex] === 0) this.averageCost[symbolIndex] = 0;
    }
    if (openingQty !== 0) {
      const now = this.quantity[symbolIndex]!;
      const basis = this.averageCost[symbolIndex]! * now + openingQty * price + openingFee;
      const next = now + openingQty;
      this.quantity[symbolIndex] = next;
      this.averageCost[symbolIndex] = basis / next;
    }
    this.realizedPnl += realized;
    return realized;
  }

  /** Σ quantity × mark over held names (names never marked count at their cost). */
  positionsValue(): { gross: number; net: number } {
    let gross = 0;
    let net = 0;
    const q = this.quantity;
    for (let s = 0; s < q.length; s++) {
      const held = q[s]!;
      if (held === 0) continue;
      const m = this.mark[s]!;
      const value = held * (Number.isNaN(m) ? this.averageCost[s]! : m);
      gross += Math.abs(value);
      net += value;
    }
    return { gross, net };
  }

  equity(): number {
    return this.cash + this.positionsValue().net;
  }
}
