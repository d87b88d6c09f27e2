-- purpose: stock splits as loaded from FMP (numerator new shares per denominator old shares)
-- grain: one row per symbol and ex-date
-- key: (symbol, date)
select symbol, date, numerator, denominator, load_id
from {{ source('splits') }}
