-- purpose: intraday bars as published to the lake (unadjusted, UTC instants, New York session date)
-- grain: one row per symbol, interval and bar start
-- key: (symbol, interval, bar_start_at)
select
  symbol,
  interval,
  bar_start_at,
  bar_end_at,
  session_date,
  open,
  high,
  low,
  close,
  volume,
  load_id
from {{ source('bars') }}
