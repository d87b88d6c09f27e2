-- OHLC violations: high below open, close or low; low above open, close or high; a missing price or volume;
-- a negative volume. Grain: one row per offending bar (symbol, interval, bar_start_at).
-- severity: error
with

bars as (
  select symbol, interval, bar_start_at, session_date, open, high, low, close, volume
  from bars
  where session_date >= coalesce(getvariable('quality_since'), date '1900-01-01')
),

final as (
  select
    *,
    case
      when open is null or high is null or low is null or close is null or volume is null then 'missing value'
      when high < low then 'high below low'
      when high < greatest(open, close) then 'high below open or close'
      when low > least(open, close) then 'low above open or close'
      when volume < 0 then 'negative volume'
    end as violation
  from bars
  where open is null or high is null or low is null or close is null or volume is null
    or high < low or high < greatest(open, close) or low > least(open, close) or volume < 0
)

select * from final order by symbol, interval, bar_start_at
