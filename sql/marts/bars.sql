-- purpose: intraday bars for strategies and people: raw prices as traded, and split-adjusted prices and volume
--          on today's share basis (adj_*). A bar is known only once bar_end_at has passed.
-- grain: one row per symbol, interval and bar start
-- key: (symbol, interval, bar_start_at)
with bars as (
  select * from stg_lake__bars
),

periods as (
  select * from int_splits__adjustment_periods
),

final as (
  select
    bars.symbol,
    bars.interval,
    bars.bar_start_at,
    bars.bar_end_at,
    bars.session_date,
    bars.open,
    bars.high,
    bars.low,
    bars.close,
    bars.volume,
    bars.open / coalesce(periods.factor, 1) as adj_open,
    bars.high / coalesce(periods.factor, 1) as adj_high,
    bars.low / coalesce(periods.factor, 1) as adj_low,
    bars.close / coalesce(periods.factor, 1) as adj_close,
    bars.volume * coalesce(periods.factor, 1) as adj_volume
  from bars
  left join periods
    on periods.symbol = bars.symbol
    and bars.session_date >= periods.valid_from
    and bars.session_date < periods.valid_to
)

select * from final
