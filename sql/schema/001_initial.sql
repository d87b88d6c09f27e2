-- purpose: the writer's tables in etl.duckdb: bars (unadjusted), daily bars, splits, dividends, window state,
--          quarantine, the loads ledger and the partitions waiting to be published.
-- grain/key: see each table; no PRIMARY KEY anywhere (docs/performance.md#no-primary-keys): merges dedupe by
--          anti-join and tests assert uniqueness.

-- key (symbol, interval, bar_start_at); prices as FMP sent them with nonadjusted=true
create table bars (
  symbol varchar not null,
  interval varchar not null,
  bar_start_at timestamptz not null,
  bar_end_at timestamptz not null,
  session_date date not null,
  open double not null,
  high double not null,
  low double not null,
  close double not null,
  volume bigint not null,
  load_id bigint not null
);

-- key (symbol, date)
create table eod_bars (
  symbol varchar not null,
  date date not null,
  open double not null,
  high double not null,
  low double not null,
  close double not null,
  volume bigint not null,
  vwap double,
  load_id bigint not null
);

-- key (symbol, date): ex-date; numerator new shares per denominator old shares
create table splits (
  symbol varchar not null,
  date date not null,
  numerator double not null,
  denominator double not null,
  load_id bigint not null
);

-- key (symbol, date): ex-dividend date
create table dividends (
  symbol varchar not null,
  date date not null,
  record_date date,
  payment_date date,
  declaration_date date,
  dividend double not null,
  adj_dividend double not null,
  frequency varchar,
  load_id bigint not null
);

-- key (dataset, symbol, interval, from_date, to_date); interval is '' for datasets without one
create table windows (
  dataset varchar not null,
  symbol varchar not null,
  interval varchar not null,
  from_date date not null,
  to_date date not null,
  status varchar not null,
  attempts integer not null,
  row_count bigint not null,
  quarantined_count bigint not null,
  load_id bigint not null,
  error varchar,
  updated_at timestamptz not null
);

-- one row per bar that failed validation, with its window; replaced when the window is committed again
create table quarantine (
  dataset varchar not null,
  symbol varchar not null,
  interval varchar not null,
  from_date date not null,
  to_date date not null,
  label varchar not null,
  reason varchar not null,
  open double,
  high double,
  low double,
  close double,
  volume double,
  load_id bigint not null
);

-- key load_id: one row per run
create sequence load_id_seq start 1;
create table loads (
  load_id bigint not null,
  command varchar not null,
  started_at timestamptz not null,
  finished_at timestamptz,
  status varchar not null,
  summary json
);

-- key (dataset, partition): lake partitions whose rows changed since they were last published
create table dirty_partitions (
  dataset varchar not null,
  partition varchar not null
);

-- one row: hash of the view SQL the CLI catalog was last generated from (regenerated when it changes)
create table catalog_state (
  views_hash varchar not null
);
