-- purpose: end-of-day bars as loaded from FMP
-- grain: one row per symbol and date
-- key: (symbol, date)
select symbol, date, open, high, low, close, volume, vwap, load_id
from {{ source('eod_bars') }}
