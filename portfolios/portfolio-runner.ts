import { sessionOn } from '../etl/core/calendar.ts';
import { formatDayNumber } from '../etl/core/time.ts';
import type { BarColumns } from './bar-columns.ts';
import type { Broker, Order } from './broker.ts';
import { MarketCursor } from './market-cursor.ts';
import { commissionFeeModel, PaperBroker, slippageFillModel } from './paper-broker.ts';
import { type Fill, PortfolioBook } from './portfolio-book.ts';
import type { PortfolioConfig } from './portfolio-config.ts';
import { applyRiskLimits, type CostEstimator, type RefusedIntent } from './risk-limits.ts';
import type { Decision, OrderIntent, PortfolioView, StrategyContext, StrategyInstance } from './strategy.ts';

/** An order the risk checks refused, with the decision time (UTC ms). */
export interface RefusedOrder extends RefusedIntent {
  at: number;
}

export interface PortfolioRunnerOptions {
  columns: BarColumns;
  config: PortfolioConfig;
  strategy: StrategyInstance;
  /** Cash the portfolio starts with (its allocated capital), USD. */
  allocatedCapital: number;
  /** Starting cash when it differs from the allocated capital (paper runs resume from the books). */
  cash?: number;
  /** Default: the paper broker with the config's slippage and commission. */
  broker?: Broker;
  /** First order id (paper runs continue the books' numbering). Default 1. */
  firstOrderId?: number;
}

/**
 * One portfolio driven bar by bar: reveals each closed bar to the strategy, lets the broker fill open orders at
 * a bar's open, asks the strategy for a decision, turns targets into whole-share orders and sends only what the
 * risk limits accept. Backtests and paper runs both drive this class.
 */
export class PortfolioRunner {
  readonly cursor: MarketCursor;
  readonly book: PortfolioBook;
  readonly broker: Broker;
  readonly config: PortfolioConfig;
  readonly allocatedCapital: number;
  readonly fills: Fill[] = [];
  readonly orders: Order[] = [];
  readonly refused: RefusedOrder[] = [];
  private readonly strategy: StrategyInstance;
  private readonly columns: BarColumns;
  private readonly costs: CostEstimator;
  private readonly context: StrategyContext;
  private nextOrderId: number;
  private sessionDay = -1;
  private sessionCloseAt = Number.NaN;

  constructor(options: PortfolioRunnerOptions) {
    const { columns, config } = options;
    this.columns = columns;
    this.config = config;
    this.strategy = options.strategy;
    this.allocatedCapital = options.allocatedCapital;
    this.cursor = new MarketCursor(columns);
    this.book = new PortfolioBook(columns.symbols.length, options.cash ?? options.allocatedCapital);
    const fillModel = slippageFillModel(config.broker.slippageBps);
    const feeModel = commissionFeeModel(config.broker.commission);
    this.broker = options.broker ?? new PaperBroker(columns.symbols.length, fillModel, feeModel);
    this.costs = { price: fillModel.price, commission: feeModel.commission };
    this.nextOrderId = options.firstOrderId ?? 1;
    const book = this.book;
    const portfolio: PortfolioView = {
      get cash() {
        return book.cash;
      },
      get equity() {
        return book.equity();
      },
      position: (s) => book.quantity[s]!,
    };
    const runner = this;
    this.context = {
      market: this.cursor,
      portfolio,
      get sessionCloseAt() {
        return runner.sessionCloseAt;
      },
    };
  }

  start(): void {
    this.strategy.onStart?.(this.context);
  }

  stop(): void {
    this.strategy.onStop?.(this.context);
  }

  /** Moves the decision time to `now` (UTC ms), the bar_end_at of the bars about to be revealed. */
  setTime(now: number, sessionDay: number): void {
    this.cursor.now = now;
    if (sessionDay !== this.sessionDay) {
      this.sessionDay = sessionDay;
      this.sessionCloseAt = sessionOn(formatDayNumber(sessionDay))?.closeAt ?? Number.NaN;
    }
  }

  /** Reveals the next closed bar of a symbol: open orders fill at its open, then the strategy sees it. */
  revealBar(symbolIndex: number): void {
    const row = this.cursor.advance(symbolIndex);
    const c = this.columns;
    if (this.broker.hasOpenOrders(symbolIndex)) {
      for (const f of this.broker.onBarOpen(symbolIndex, c.open[row]!, c.startAt[row]!)) {
        const held = this.book.quantity[symbolIndex]!;
        const realizedPnl = this.book.applyFill(symbolIndex, f.quantity, f.price, f.commission);
        this.fills.push({
          ...f,
          realizedPnl,
          closesPosition: held !== 0 && Math.sign(f.quantity) !== Math.sign(held),
        });
      }
    }
    this.book.mark[symbolIndex] = c.close[row]!;
    this.strategy.onBar?.(symbolIndex, this.context);
  }

  /** Asks the strategy for a decision at the current time and sends what passes the risk limits. */
  decide(): void {
    const decision = this.strategy.onDecision(this.context);
    if (decision) this.execute(decision);
  }

  /** Turns a decision into orders (targets → whole shares, toward zero), checks them, submits the accepted. */
  execute(decision: Decision): void {
    const hasTargets = decision.targets !== undefined && decision.targets.length > 0;
    const hasOrders = decision.orders !== undefined && decision.orders.length > 0;
    if (!hasTargets && !hasOrders) return;
    const book = this.book;
    const projected = book.quantity.slice();
    let openCash = 0;
    for (let s = 0; s < projected.length; s++) {
      if (!this.broker.hasOpenOrders(s)) continue;
      for (const o of this.broker.openOrders(s)) {
        projected[s]! += o.quantity;
        openCash -= o.quantity * book.mark[s]!;
      }
    }
    const intents: OrderIntent[] = [];
    if (hasTargets) {
      const equity = book.equity();
      for (const t of decision.targets!) {
        const mark = book.mark[t.symbolIndex]!;
        const wanted = mark > 0 ? Math.trunc((t.weight * equity) / mark) : 0;
        const dq = wanted - projected[t.symbolIndex]!;
        if (dq !== 0 || !(mark > 0))
          intents.push({ symbolIndex: t.symbolIndex, quantity: mark > 0 ? dq : NaN });
      }
    }
    if (hasOrders) for (const o of decision.orders!) if (o.quantity !== 0) intents.push(o);
    const missingPrice = intents.filter((i) => Number.isNaN(i.quantity));
    for (const i of missingPrice) {
      this.refused.push({
        at: this.cursor.now,
        symbolIndex: i.symbolIndex,
        quantity: 0,
        reason: `${this.columns.symbols[i.symbolIndex]}: target without a price yet (no closed bar)`,
      });
    }
    const { accepted, refused } = applyRiskLimits(
      intents.filter((i) => !Number.isNaN(i.quantity)),
      {
        cash: book.cash + openCash,
        equity: book.equity(),
        allocatedCapital: this.allocatedCapital,
        quantity: projected,
        mark: book.mark,
      },
      this.config.risk,
      this.costs,
      this.columns.symbols,
    );
    const at = this.cursor.now;
    for (const r of refused) this.refused.push({ at, ...r });
    for (const a of accepted) {
      const order: Order = {
        id: this.nextOrderId++,
        symbolIndex: a.symbolIndex,
        quantity: a.quantity,
        submittedAt: at,
      };
      this.orders.push(order);
      this.broker.submit(order);
    }
  }
}
