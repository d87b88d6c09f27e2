-- purpose: the trading books in books.duckdb (portfolios/books-store.ts): runs, orders, refused orders, fills,
--          positions, cash and daily P&L, written only under the `books` writer lock. Instants are TIMESTAMPTZ (UTC).
-- why `if not exists`: books files written before this migration existed created these tables inline; the
--      migration then only records its version.
-- grain/key: see each table; no PRIMARY KEY (as in the ETL's ledger)

-- key run_id: one row per `mqs portfolios run`
create table if not exists book_runs (run_id bigint, as_of timestamptz, portfolios integer, failed integer);

-- key (portfolio_id, order_id)
create table if not exists orders (portfolio_id varchar, order_id bigint, run_id bigint, symbol varchar, quantity double, submitted_at timestamptz, status varchar, closed_at timestamptz);

-- one row per order the risk limits refused, with the reason
create table if not exists refused_orders (portfolio_id varchar, run_id bigint, refused_at timestamptz, symbol varchar, quantity double, reason varchar);

-- key (portfolio_id, order_id): the paper broker's fills
create table if not exists fills (portfolio_id varchar, order_id bigint, run_id bigint, symbol varchar, quantity double, price double, commission double, realized_pnl double, filled_at timestamptz);

-- key (portfolio_id, symbol): the current positions, marked
create table if not exists positions (portfolio_id varchar, symbol varchar, quantity double, average_cost double, mark double, market_value double, as_of timestamptz);

-- key portfolio_id
create table if not exists cash (portfolio_id varchar, cash double, allocated_capital double, last_decision_at timestamptz);

-- key (portfolio_id, session_date)
create table if not exists pnl_daily (portfolio_id varchar, session_date date, equity double, cash double, gross_exposure double, net_exposure double, realized_pnl double, commission double, pnl double, daily_return double, as_of timestamptz);
