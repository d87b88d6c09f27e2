import type { Fill } from './portfolio-book.ts';

/** An order that passed the risk checks. Signed whole shares. */
export interface Order {
  id: number;
  symbolIndex: number;
  quantity: number;
  /** Decision time at which the order left the manager, UTC ms. */
  submittedAt: number;
}

/** Prices a market order against the bar it fills on. */
export interface FillModel {
  /** Fill price of `quantity` shares (signed) on a bar that opens at `open`. */
  price(quantity: number, open: number): number;
}

/** Commission of one fill, USD. */
export interface FeeModel {
  commission(quantity: number, price: number): number;
}

/**
 * Where orders go. A broker receives market data as bars open (`onBarOpen`) and reports fills; the paper broker
 * fills there, an adapter for a real broker would forward `submit` and report its fills the same way.
 */
export interface Broker {
  submit(order: Order): void;
  /** Open orders of a symbol (placed but not filled), oldest first. */
  openOrders(symbolIndex: number): readonly Order[];
  /** True when any order of the symbol is open (cheap: called on every bar). */
  hasOpenOrders(symbolIndex: number): boolean;
  /** A bar of the symbol opened at `startAt` at price `open`: fill what can be filled. */
  onBarOpen(
    symbolIndex: number,
    open: number,
    startAt: number,
  ): readonly Omit<Fill, 'realizedPnl' | 'closesPosition'>[];
  /** Cancels every open order and returns them. */
  cancelAll(): Order[];
}
