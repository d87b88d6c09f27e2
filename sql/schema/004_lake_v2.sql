-- purpose: lake v2 — the Parquet lake is the one store of published data. etl.duckdb keeps only state: window
--          states, quarantine, the loads ledger, and the lake version whose window changes the ledger holds.
-- why: the bars (34.6 bytes a bar here beside the lake's ~10) and the other datasets were a second copy of the
--      lake; a v1 warehouse publishes them to the lake before this migration runs (etl/publish/upgrade-v1.ts).
drop table bars;
drop type bar_interval;
drop table eod_bars;
drop table splits;
drop table dividends;
drop table dirty_partitions;
drop table catalog_state;

-- one row: the manifest version of lake/ whose windows the ledger holds (applied with that snapshot)
create table lake_state (
  version bigint not null
);
