-- purpose: intraday bars as published to the lake (unadjusted, UTC instants, New York session date); the lake
--          stores each bar's length in seconds, turned back into bar_end_at here
-- grain: one row per symbol, interval and bar start
-- key: (symbol, interval, bar_start_at)
select
  symbol,
  interval,
  bar_start_at,
  bar_start_at + to_seconds(bar_seconds) as bar_end_at,
  session_date,
  open,
  high,
  low,
  close,
  volume,
  load_id
from {{ source('bars') }}
