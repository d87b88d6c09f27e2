-- purpose: dividends as loaded from FMP
-- grain: one row per symbol and ex-dividend date
-- key: (symbol, date)
select symbol, date, record_date, payment_date, declaration_date, dividend, adj_dividend, frequency, load_id
from {{ source('dividends') }}
