-- Non-positive prices: any of open, high, low, close at or below zero.
-- Grain: one row per offending bar (symbol, interval, bar_start_at).
-- severity: error
with

final as (
  select symbol, interval, bar_start_at, session_date, open, high, low, close
  from bars
  where session_date >= coalesce(getvariable('quality_since'), date '1900-01-01')
    and least(open, high, low, close) <= 0
)

select * from final order by symbol, interval, bar_start_at
