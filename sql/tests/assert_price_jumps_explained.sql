-- Price jumps with no split on record: consecutive bars of a symbol and interval (raw, unadjusted prices) whose
-- close moves by more than the quality_jump_threshold variable (0.5 = a rise above 1.5x or a fall below 1/1.5x)
-- while no split of the symbol has its ex-date between the two bars' sessions (later one included).
-- Grain: symbol, interval, bar_start_at of the later bar.
-- severity: error
with

ordered as (
  select
    symbol, interval, bar_start_at, session_date, close,
    lag(close) over w as previous_close,
    lag(session_date) over w as previous_session_date,
    lag(bar_start_at) over w as previous_bar_start_at
  from bars
  where close > 0
    -- why: read a little before quality_since so the first bar after it still has its predecessor
    and session_date >= coalesce(getvariable('quality_since'), date '1900-01-01') - interval 14 day
  window w as (partition by symbol, interval order by bar_start_at)
),

jumps as (
  select *, greatest(close / previous_close, previous_close / close) - 1 as jump
  from ordered
  where previous_close > 0
    and session_date >= coalesce(getvariable('quality_since'), date '1900-01-01')
    and greatest(close / previous_close, previous_close / close) - 1
      > coalesce(getvariable('quality_jump_threshold'), 0.5)
),

final as (
  select j.symbol, j.interval, j.previous_bar_start_at, j.previous_close, j.bar_start_at, j.close,
    round(j.jump, 4) as jump
  from jumps as j
  where not exists (
    select 1 from splits as s
    where s.symbol = j.symbol and s."date" > j.previous_session_date and s."date" <= j.session_date
  )
)

select * from final order by symbol, interval, bar_start_at
