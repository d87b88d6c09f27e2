-- Bars expected from the calendar against bars present, per symbol, interval and session, listing the gaps.
-- Grain: symbol, interval, session_date, for the sessions from each symbol's first to its last loaded session
-- (on or after the quality_since variable). Counts come from the coverage mart; only the sessions it finds
-- short are expanded into FMP's grid (09:30 open to the close, 13:00 on early closes; 4hour bars at 09:30 and
-- 12:30) to list the missing bar starts, in New York time. Extended-hours bars are not counted.
-- A row is an error when the whole session is missing, a warning when only some bars are (thin symbols have
-- minutes without trades, and FMP sends no bar for them).
-- severity: per row
with

interval_minutes (interval, minutes) as (
  values ('1min', 1), ('5min', 5), ('15min', 15), ('30min', 30), ('1hour', 60), ('4hour', 180)
),

short_sessions as (
  select symbol, interval, session_date, expected_bars, actual_bars
  from coverage
  where session_date >= coalesce(getvariable('quality_since'), date '1900-01-01')
    and actual_bars < expected_bars
),

bars as (
  select symbol, interval, bar_start_at
  from bars
  semi join short_sessions using (symbol, interval, session_date)
),

expected as (
  -- why: only the short sessions are expanded, so the cost follows the defects, not the warehouse's size
  select
    c.symbol,
    c.interval,
    c.session_date,
    k.step,
    s.open_at + to_minutes(k.step * m.minutes) as bar_start_at
  from short_sessions as c
  join interval_minutes as m using (interval)
  join sessions as s using (session_date)
  cross join range(0, 390) as k(step)
  where s.open_at + to_minutes(k.step * m.minutes) < s.close_at
    and (c.interval <> '4hour' or k.step < 2)
),

missing as (
  select e.*
  from expected as e
  anti join bars as b using (symbol, interval, bar_start_at)
),

gaps as (
  -- consecutive missing bars form one gap: along a run, grid step minus row number stays constant
  select symbol, interval, session_date, min(bar_start_at) as gap_start_at, max(bar_start_at) as gap_last_bar_at,
    count(*) as gap_bars
  from (
    select *, step - row_number() over (partition by symbol, interval, session_date order by step) as run_key
    from missing
  )
  group by symbol, interval, session_date, run_key
),

gap_lists as (
  select symbol, interval, session_date,
    string_agg(
      strftime(timezone('America/New_York', gap_start_at), '%H:%M')
        || case when gap_bars > 1
          then '-' || strftime(timezone('America/New_York', gap_last_bar_at), '%H:%M') else '' end,
      ', ' order by gap_start_at
    ) as gaps_new_york
  from gaps
  group by all
),

final as (
  select
    c.symbol,
    c.interval,
    c.session_date,
    c.expected_bars::integer as expected_bars,
    c.actual_bars::integer as actual_bars,
    (c.expected_bars - c.actual_bars)::integer as missing_bars,
    g.gaps_new_york,
    case when c.actual_bars = 0 then 'error' else 'warn' end as severity
  from short_sessions as c
  left join gap_lists as g using (symbol, interval, session_date)
)

select * from final order by symbol, interval, session_date
