-- Symbols gone stale: a symbol and interval whose last bar is more than the quality_stale_sessions variable
-- (default 3) trading sessions behind the newest session any symbol of that interval has.
-- Grain: symbol, interval.
-- severity: error
with

last_sessions as (
  select symbol, interval, max(session_date) as last_session_date
  from bars
  group by all
),

newest as (
  select interval, max(last_session_date) as newest_session_date
  from last_sessions
  group by all
),

final as (
  select
    l.symbol,
    l.interval,
    l.last_session_date,
    n.newest_session_date,
    (
      select count(*) from sessions as s
      where s.session_date > l.last_session_date and s.session_date <= n.newest_session_date
    ) as sessions_behind
  from last_sessions as l
  join newest as n using (interval)
  where n.newest_session_date >= coalesce(getvariable('quality_since'), date '1900-01-01')
)

select * from final
where sessions_behind > coalesce(getvariable('quality_stale_sessions'), 3)
order by symbol, interval
