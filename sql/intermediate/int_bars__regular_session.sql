-- purpose: intraday bars inside their session's regular hours (09:30 to the close, early closes included),
--          with the interval's length in minutes
-- grain: one row per symbol, interval and bar start
-- key: (symbol, interval, bar_start_at)
with bars as (
  select * from stg_lake__bars
),

sessions as (
  select * from stg_calendar__sessions
),

final as (
  select
    bars.*,
    case bars.interval
      when '1min' then 1 when '5min' then 5 when '15min' then 15
      when '30min' then 30 when '1hour' then 60 when '4hour' then 240
    end as interval_minutes
  from bars
  join sessions on sessions.session_date = bars.session_date
  where bars.bar_start_at >= sessions.open_at and bars.bar_start_at < sessions.close_at
)

select * from final
