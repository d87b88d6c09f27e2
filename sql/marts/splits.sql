-- purpose: stock splits as loaded from FMP; ratio = new shares per old share
-- grain: one row per symbol and ex-date
-- key: (symbol, date)
select symbol, date, numerator, denominator, numerator / denominator as ratio
from stg_lake__splits
