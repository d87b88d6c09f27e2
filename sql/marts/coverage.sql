-- purpose: how complete the intraday history is: for every session between a symbol's first and last loaded
--          session of an interval, the regular-session bars the calendar expects (early closes included) and
--          the bars the lake holds
-- grain: one row per symbol, interval and session
-- key: (symbol, interval, session_date)
with sessions as (
  select * from stg_calendar__sessions
),

spans as (
  select symbol, interval, min(session_date) as first_session, max(session_date) as last_session
  from stg_lake__bars
  group by symbol, interval
),

actual as (
  select symbol, interval, session_date, count(*) as actual_bars
  from int_bars__regular_session
  group by symbol, interval, session_date
),

expected as (
  select
    spans.symbol,
    spans.interval,
    sessions.session_date,
    sessions.early_close,
    date_diff('minute', sessions.open_at, sessions.close_at) as session_minutes
  from spans
  join sessions on sessions.session_date between spans.first_session and spans.last_session
),

final as (
  select
    expected.symbol,
    expected.interval,
    expected.session_date,
    expected.early_close,
    case expected.interval
      when '4hour' then case when expected.session_minutes > 180 then 2 else 1 end
      else ceil(expected.session_minutes / case expected.interval
        when '1min' then 1 when '5min' then 5 when '15min' then 15 when '30min' then 30 when '1hour' then 60
      end)::integer
    end as expected_bars,
    coalesce(actual.actual_bars, 0) as actual_bars
  from expected
  left join actual using (symbol, interval, session_date)
)

select * from final
