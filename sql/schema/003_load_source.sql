-- purpose: provenance: where each load's data came from, so a warehouse holds one source's data only.
-- grain/key: one value per row of loads: the FMP origin without the key ('https://financialmodelingprep.com')
--          or 'simulator seed=<n>' for the built-in simulator; NULL for loads from before this migration.
alter table loads add column source varchar;
