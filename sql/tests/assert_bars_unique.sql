-- Duplicate keys: more than one bar for the same (symbol, interval, bar_start_at). The bars table has no
-- PRIMARY KEY (docs/performance.md#no-primary-keys: a key costs several times the size and insert time), so
-- uniqueness is asserted here instead.
-- Grain: symbol, interval, bar_start_at. Also duplicate splits per (symbol, date).
-- severity: error
with

bar_duplicates as (
  select 'bars' as mart, symbol, interval, strftime(timezone('UTC', bar_start_at), '%Y-%m-%dT%H:%M:%SZ') as key_at, count(*) as copies
  from bars
  where session_date >= coalesce(getvariable('quality_since'), date '1900-01-01')
  group by symbol, interval, bar_start_at
  having count(*) > 1
),

split_duplicates as (
  select 'splits' as mart, symbol, null as interval, "date"::varchar as key_at, count(*) as copies
  from splits
  group by symbol, "date"
  having count(*) > 1
),

final as (
  select * from bar_duplicates
  union all
  select * from split_duplicates
)

select * from final order by mart, symbol, interval, key_at
