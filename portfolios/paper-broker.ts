import type { Broker, FeeModel, FillModel, Order } from './broker.ts';
import type { Fill } from './portfolio-book.ts';

/** Buys pay `bps` above the open, sells receive `bps` below it. */
export function slippageFillModel(slippageBps: number): FillModel {
  const factor = slippageBps / 10_000;
  return { price: (quantity, open) => open * (1 + Math.sign(quantity) * factor) };
}

/** max(minimum, perShare × |quantity| + bps × notional); 0 for an empty fill. */
export function commissionFeeModel(options: { perShare: number; bps: number; minimum: number }): FeeModel {
  const { perShare, bps, minimum } = options;
  return {
    commission: (quantity, price) =>
      quantity === 0
        ? 0
        : Math.max(minimum, perShare * Math.abs(quantity) + (bps / 10_000) * Math.abs(quantity * price)),
  };
}

/**
 * The paper broker: a market order fills whole at the open of the symbol's next bar that starts at or after the
 * order's submission, priced by the fill model and charged by the fee model.
 */
export class PaperBroker implements Broker {
  private readonly open: Order[][];
  private readonly openCount: Int32Array;
  readonly fillModel: FillModel;
  readonly feeModel: FeeModel;

  constructor(symbolCount: number, fillModel: FillModel, feeModel: FeeModel) {
    this.open = Array.from({ length: symbolCount }, () => []);
    this.openCount = new Int32Array(symbolCount);
    this.fillModel = fillModel;
    this.feeModel = feeModel;
  }

  submit(order: Order): void {
    this.open[order.symbolIndex]!.push(order);
    this.openCount[order.symbolIndex]!++;
  }

  openOrders(symbolIndex: number): readonly Order[] {
    return this.open[symbolIndex]!;
  }

  hasOpenOrders(symbolIndex: number): boolean {
    return this.openCount[symbolIndex]! > 0;
  }

  onBarOpen(
    symbolIndex: number,
    open: number,
    startAt: number,
  ): Omit<Fill, 'realizedPnl' | 'closesPosition'>[] {
    const queue = this.open[symbolIndex]!;
    const fills: Omit<Fill, 'realizedPnl' | 'closesPosition'>[] = [];
    let kept = 0;
    for (const order of queue) {
      // why: a bar that started before the decision was already running; the order waits for the next one.
      if (startAt < order.submittedAt) {
        queue[kept++] = order;
        continue;
      }
      const price = this.fillModel.price(order.quantity, open);
      fills.push({
        orderId: order.id,
        symbolIndex,
        quantity: order.quantity,
        price,
        commission: this.feeModel.commission(order.quantity, price),
        filledAt: startAt,
      });
    }
    queue.length = kept;
    this.openCount[symbolIndex] = kept;
    return fills;
  }

  cancelAll(): Order[] {
    const all: Order[] = [];
    for (let s = 0; s < this.open.length; s++) {
      all.push(...this.open[s]!);
      this.open[s]!.length = 0;
      this.openCount[s] = 0;
    }
    return all.sort((a, b) => a.id - b.id);
  }
}
