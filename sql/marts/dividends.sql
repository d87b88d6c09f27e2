-- purpose: dividends as loaded from FMP (cash per share on the basis of the ex-date, and split-adjusted)
-- grain: one row per symbol and ex-dividend date
-- key: (symbol, date)
select symbol, date, record_date, payment_date, declaration_date, dividend, adj_dividend, frequency
from stg_lake__dividends
