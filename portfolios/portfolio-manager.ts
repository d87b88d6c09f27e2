import { type DuckDBConnection, listValue, timestampTZValue } from '@duckdb/node-api';
import { previousSession } from '../etl/core/calendar.ts';
import type { Clock } from '../etl/core/clock.ts';
import { errorMessage, UsageError } from '../etl/core/errors.ts';
import { INTERVAL_MINUTES } from '../etl/core/intervals.ts';
import type { Logger } from '../etl/core/log.ts';
import { type IsoDate, nyDateOf } from '../etl/core/time.ts';
import { replayBars } from './backtest-engine.ts';
import { loadBarColumns } from './bar-loader.ts';
import { type BooksSession, openBooks } from './books-store.ts';
import { listPortfolioIds, loadPortfolio, type PortfolioDefinition } from './portfolio-config.ts';
import { PortfolioRunner } from './portfolio-runner.ts';
import { DEFAULT_MANAGER_CAPITAL, PORTFOLIOS_DIR } from './run-backtest.ts';
import { loadStrategy } from './strategy-loader.ts';

export interface RunPortfoliosOptions {
  warehouseDir: string;
  log: Logger;
  clock: Clock;
  /** Manager capital split by `capitalShare`, USD. Default 1,000,000. Used when a portfolio has no books yet. */
  capital?: number;
  portfoliosDir?: string;
  /** A connection with the marts (default: a fresh warehouse reader over WAREHOUSE_DIR/lake). */
  connection?: DuckDBConnection;
  /** How long to wait for the books writer lock, ms. Default 30,000. */
  lockWaitMs?: number;
}

/** What happened to one portfolio in a paper run. */
export interface PortfolioRunResult {
  id: string;
  status: 'ok' | 'skipped' | 'failed';
  /** The latest closed bar the decision was made at, ISO 8601 UTC. */
  asOf?: string;
  ordersSent: number;
  fills: number;
  /** Every order the risk limits refused, with the reason. */
  refused: { symbol: string; quantity: number; reason: string }[];
  equity?: number;
  cash?: number;
  message?: string;
}

interface BookState {
  cash: number;
  allocatedCapital: number;
  lastDecisionAt: number;
  positions: { symbol: string; quantity: number; averageCost: number }[];
  openOrders: { id: number; symbol: string; quantity: number; submittedAt: number }[];
  lastOrderId: number;
}

async function readState(books: DuckDBConnection, id: string, allocatedCapital: number): Promise<BookState> {
  const one = async (sql: string) => (await books.runAndReadAll(sql, [id])).getRowObjectsJS();
  const cash = await one(
    'select cash, allocated_capital, epoch_ms(last_decision_at)::double as t from cash where portfolio_id = $1',
  );
  const positions = await one(
    'select symbol, quantity, average_cost from positions where portfolio_id = $1 and quantity <> 0 order by symbol',
  );
  const open = await one(
    `select order_id::double as id, symbol, quantity, epoch_ms(submitted_at)::double as t from orders
     where portfolio_id = $1 and status = 'open' order by order_id`,
  );
  const last = await one(
    'select coalesce(max(order_id), 0)::double as id from orders where portfolio_id = $1',
  );
  return {
    cash: cash[0] ? Number(cash[0].cash) : allocatedCapital,
    allocatedCapital: cash[0] ? Number(cash[0].allocated_capital) : allocatedCapital,
    lastDecisionAt: cash[0] && cash[0].t !== null ? Number(cash[0].t) : Number.NEGATIVE_INFINITY,
    positions: positions.map((p) => ({
      symbol: String(p.symbol),
      quantity: Number(p.quantity),
      averageCost: Number(p.average_cost),
    })),
    openOrders: open.map((o) => ({
      id: Number(o.id),
      symbol: String(o.symbol),
      quantity: Number(o.quantity),
      submittedAt: Number(o.t),
    })),
    lastOrderId: Number(last[0]?.id ?? 0),
  };
}

/** An instant (epoch ms) as a bound TIMESTAMPTZ value. */
const at = (ms: number) => timestampTZValue(BigInt(Math.round(ms * 1000)));

async function latestClosedBar(
  reader: DuckDBConnection,
  symbols: readonly string[],
  interval: string,
  nowMs: number,
): Promise<number | undefined> {
  const rows = (
    await reader.runAndReadAll(
      `select epoch_ms(max(bar_end_at))::double as t from bars where interval = $interval
       and list_contains($symbols, symbol) and bar_end_at <= $now`,
      { interval, symbols: listValue(symbols), now: at(nowMs) },
    )
  ).getRowObjectsJS();
  const t = rows[0]?.t;
  return t === null || t === undefined ? undefined : Number(t);
}

async function runOne(
  definition: PortfolioDefinition,
  reader: DuckDBConnection,
  books: BooksSession,
  runId: number,
  capital: number,
  clock: Clock,
): Promise<PortfolioRunResult> {
  const { config, id } = definition;
  const { strategy, params } = await loadStrategy(definition);
  const state = await readState(books.connection, id, capital * config.capitalShare);
  const symbols = [
    ...new Set([
      ...config.universe,
      ...state.positions.map((p) => p.symbol),
      ...state.openOrders.map((o) => o.symbol),
    ]),
  ].sort();
  const base = { id, ordersSent: 0, fills: 0, refused: [] };
  const asOf = await latestClosedBar(reader, symbols, config.interval, clock.now());
  if (asOf === undefined) {
    return {
      ...base,
      status: 'failed',
      message: `no ${config.interval} bars of its universe in the warehouse yet`,
    };
  }
  if (asOf <= state.lastDecisionAt) {
    return {
      ...base,
      status: 'skipped',
      asOf: new Date(asOf).toISOString(),
      message: 'no bar closed since its last decision',
    };
  }
  // why: enough sessions for the strategy's warm-up, and back to the oldest open order so it can fill.
  const asOfDate = nyDateOf(asOf);
  const warmupMinutes = strategy.warmupBars(params) * INTERVAL_MINUTES[config.interval];
  let from: IsoDate = asOfDate;
  for (let minutes = 0; minutes < warmupMinutes + 390; minutes += 390) from = previousSession(from).date;
  for (const o of state.openOrders) if (nyDateOf(o.submittedAt) < from) from = nyDateOf(o.submittedAt);
  const columns = await loadBarColumns(reader, {
    symbols,
    interval: config.interval,
    from,
    to: asOfDate,
    endedBy: asOf,
  });
  const index = new Map(columns.symbols.map((s, i) => [s, i]));
  const runner = new PortfolioRunner({
    columns,
    config,
    strategy: strategy.create(params, columns.symbols),
    allocatedCapital: state.allocatedCapital,
    cash: state.cash,
    firstOrderId: state.lastOrderId + 1,
  });
  for (const p of state.positions) {
    const s = index.get(p.symbol);
    if (s === undefined) throw new Error(`held ${p.symbol} has no bars between ${from} and ${asOfDate}`);
    runner.book.quantity[s] = p.quantity;
    runner.book.averageCost[s] = p.averageCost;
  }
  for (const o of state.openOrders) {
    const s = index.get(o.symbol);
    if (s !== undefined)
      runner.broker.submit({ id: o.id, symbolIndex: s, quantity: o.quantity, submittedAt: o.submittedAt });
  }
  runner.start();
  replayBars(runner, columns, { shouldDecide: (_, now) => now === asOf });
  runner.stop();
  await writeRun(books.connection, id, runId, runner, asOf, asOfDate, state);
  const { gross, net } = runner.book.positionsValue();
  return {
    id,
    status: 'ok',
    asOf: new Date(asOf).toISOString(),
    ordersSent: runner.orders.length,
    fills: runner.fills.length,
    refused: runner.refused.map((r) => ({
      symbol: columns.symbols[r.symbolIndex]!,
      quantity: r.quantity,
      reason: r.reason,
    })),
    equity: runner.book.cash + net,
    cash: runner.book.cash,
    message: `gross ${gross.toFixed(2)} USD`,
  };
}

async function writeRun(
  db: DuckDBConnection,
  id: string,
  runId: number,
  runner: PortfolioRunner,
  asOf: number,
  asOfDate: IsoDate,
  state: BookState,
): Promise<void> {
  const symbols = runner.cursor.symbols;
  const book = runner.book;
  await db.run('begin transaction');
  try {
    for (const f of runner.fills) {
      await db.run('insert into fills values ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        id,
        f.orderId,
        runId,
        symbols[f.symbolIndex]!,
        f.quantity,
        f.price,
        f.commission,
        f.realizedPnl,
        at(f.filledAt),
      ]);
      await db.run(
        "update orders set status = 'filled', closed_at = $1 where portfolio_id = $2 and order_id = $3",
        [at(f.filledAt), id, f.orderId],
      );
    }
    for (const o of runner.orders) {
      await db.run("insert into orders values ($1, $2, $3, $4, $5, $6, 'open', null)", [
        id,
        o.id,
        runId,
        symbols[o.symbolIndex]!,
        o.quantity,
        at(o.submittedAt),
      ]);
    }
    for (const r of runner.refused) {
      await db.run('insert into refused_orders values ($1, $2, $3, $4, $5, $6)', [
        id,
        runId,
        at(r.at),
        symbols[r.symbolIndex]!,
        r.quantity,
        r.reason,
      ]);
    }
    await db.run('delete from positions where portfolio_id = $1', [id]);
    for (let s = 0; s < symbols.length; s++) {
      const q = book.quantity[s]!;
      if (q === 0) continue;
      await db.run('insert into positions values ($1, $2, $3, $4, $5, $6, $7)', [
        id,
        symbols[s]!,
        q,
        book.averageCost[s]!,
        book.mark[s]!,
        q * book.mark[s]!,
        at(asOf),
      ]);
    }
    await db.run('delete from cash where portfolio_id = $1', [id]);
    await db.run('insert into cash values ($1, $2, $3, $4)', [
      id,
      book.cash,
      state.allocatedCapital,
      at(asOf),
    ]);
    const previous = (
      await db.runAndReadAll(
        `select equity from pnl_daily where portfolio_id = $1 and session_date < $2::date
         order by session_date desc limit 1`,
        [id, asOfDate],
      )
    ).getRowObjectsJS();
    const before = previous[0] ? Number(previous[0].equity) : state.allocatedCapital;
    const { gross, net } = book.positionsValue();
    const equity = book.cash + net;
    await db.run('delete from pnl_daily where portfolio_id = $1 and session_date = $2::date', [id, asOfDate]);
    await db.run(
      `insert into pnl_daily
       select $id, $date::date, $equity, $cash, $gross, $net,
         coalesce(sum(realized_pnl), 0), coalesce(sum(commission), 0), $pnl, $dailyReturn, $asOf
       from fills where portfolio_id = $id
         and cast(timezone('America/New_York', filled_at) as date) = $date::date`,
      {
        id,
        date: asOfDate,
        equity,
        cash: book.cash,
        gross,
        net,
        pnl: equity - before,
        dailyReturn: (equity - before) / before,
        asOf: at(asOf),
      },
    );
    await db.run('commit');
  } catch (error) {
    await db.run('rollback');
    throw error;
  }
}

/**
 * Paper-trades every enabled portfolio at the latest closed bar: loads its books, replays recent bars through the
 * same runner as a backtest (open orders fill at the next bar's open), decides once at the latest bar close,
 * sends what the risk limits accept to the paper broker, and writes orders, fills, positions, cash and daily P&L
 * to the books under the `books` writer lock, then publishes them to the lake. One portfolio's failure does not
 * stop the others: each gets a result with a status.
 */
export async function runPortfolios(
  options: RunPortfoliosOptions,
): Promise<{ results: PortfolioRunResult[]; published: string[] }> {
  const rootDir = options.portfoliosDir ?? PORTFOLIOS_DIR;
  const capital = options.capital ?? DEFAULT_MANAGER_CAPITAL;
  const { log } = options;
  const results: PortfolioRunResult[] = [];
  const definitions: PortfolioDefinition[] = [];
  for (const id of listPortfolioIds(rootDir)) {
    try {
      const d = loadPortfolio(rootDir, id);
      if (d.config.enabled) definitions.push(d);
    } catch (error) {
      results.push({
        id,
        status: 'failed',
        ordersSent: 0,
        fills: 0,
        refused: [],
        message: errorMessage(error),
      });
    }
  }
  const shares = definitions.reduce((sum, d) => sum + d.config.capitalShare, 0);
  if (shares > 1 + 1e-9) {
    throw new UsageError(
      `capital shares of the enabled portfolios add up to ${shares.toFixed(4)} (${definitions
        .map((d) => `${d.id} ${d.config.capitalShare}`)
        .join(', ')}): lower them to 1 or less in their config.json`,
    );
  }
  let reader = options.connection;
  let closeReader = () => {};
  if (!reader) {
    const { openWarehouseReader } = await import('../etl/publish/warehouse-reader.ts');
    const r = await openWarehouseReader(options.warehouseDir);
    reader = r.connection;
    closeReader = () => r.close();
  }
  let published: string[] = [];
  try {
    const books = await openBooks(options.warehouseDir, {
      clock: options.clock,
      command: 'mqs portfolios run',
      waitMs: options.lockWaitMs,
    });
    try {
      const runId = Number(
        (
          await books.connection.runAndReadAll(
            'select coalesce(max(run_id), 0)::double + 1 as r from book_runs',
          )
        ).getRowObjectsJS()[0]!.r,
      );
      for (const d of definitions) {
        const child = log.child({ portfolio: d.id });
        try {
          const result = await runOne(d, reader, books, runId, capital, options.clock);
          child.info(
            { status: result.status, orders: result.ordersSent, refused: result.refused.length },
            'portfolio run',
          );
          results.push(result);
        } catch (error) {
          child.error({ err: error }, 'portfolio failed');
          results.push({
            id: d.id,
            status: 'failed',
            ordersSent: 0,
            fills: 0,
            refused: [],
            message: errorMessage(error),
          });
        }
      }
      const failed = results.filter((r) => r.status === 'failed').length;
      await books.connection.run('insert into book_runs values ($1, $2, $3, $4)', [
        runId,
        at(options.clock.now()),
        results.length,
        failed,
      ]);
      published = await books.publish();
    } finally {
      books.close();
    }
  } finally {
    closeReader();
  }
  results.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { results, published };
}
