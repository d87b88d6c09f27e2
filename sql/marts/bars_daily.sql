-- purpose: daily OHLCV per symbol built from regular-session intraday bars (the finest interval loaded for
--          that symbol and session), raw and split-adjusted; close_at is when the day's last bar ended
-- grain: one row per symbol and session
-- key: (symbol, session_date)
with regular as (
  select * from int_bars__regular_session
),

per_interval as (
  select
    symbol,
    session_date,
    interval,
    any_value(interval_minutes) as interval_minutes,
    arg_min(open, bar_start_at) as open,
    max(high) as high,
    min(low) as low,
    arg_max(close, bar_start_at) as close,
    sum(volume) as volume,
    count(*) as bar_count,
    max(bar_end_at) as close_at
  from regular
  group by symbol, session_date, interval
),

finest as (
  select *
  from per_interval
  qualify row_number() over (partition by symbol, session_date order by interval_minutes) = 1
),

periods as (
  select * from int_splits__adjustment_periods
),

final as (
  select
    finest.symbol,
    finest.session_date,
    finest.open,
    finest.high,
    finest.low,
    finest.close,
    finest.volume,
    finest.open / coalesce(periods.factor, 1) as adj_open,
    finest.high / coalesce(periods.factor, 1) as adj_high,
    finest.low / coalesce(periods.factor, 1) as adj_low,
    finest.close / coalesce(periods.factor, 1) as adj_close,
    finest.volume * coalesce(periods.factor, 1) as adj_volume,
    finest.bar_count,
    finest.close_at
  from finest
  left join periods
    on periods.symbol = finest.symbol
    and finest.session_date >= periods.valid_from
    and finest.session_date < periods.valid_to
)

select * from final
