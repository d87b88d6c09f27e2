-- purpose: store bars.interval as an ENUM (one byte a bar) instead of VARCHAR; same columns, same order.
-- why: compressing a string column on every insert cost about a fifth of the bars table's write time (measured
--      on 3.9M bars: 1.38M rows/s as VARCHAR, 1.54M as ENUM); comparisons with string literals still work.
-- why a copy and not ALTER COLUMN ... SET DATA TYPE: DuckDB 1.5.6 cannot replay that statement from the WAL
--      ("Failure while replaying WAL file ... no default database set"), so a crash right after it left the
--      file unopenable; a new table, a copy and a rename replay fine.
-- An interval FMP adds later needs a migration that recreates this type with the new member.
create type bar_interval as enum ('1min', '5min', '15min', '30min', '1hour', '4hour');

create table bars_002 (
  symbol varchar not null,
  interval bar_interval not null,
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

insert into bars_002 select * from bars;
drop table bars;
alter table bars_002 rename to bars;
