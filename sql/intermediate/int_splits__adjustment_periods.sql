-- purpose: the split factor that brings a price of a given session onto today's share basis: a bar on
--          session_date d with valid_from <= d < valid_to divides prices by factor and multiplies volume by it
--          (factor = product of the ratios of every split after d). Sessions on or after the last split match
--          no row (factor 1).
-- grain: one row per symbol and split ex-date
-- key: (symbol, valid_to)
with splits as (
  select symbol, date, numerator / denominator as ratio
  from stg_lake__splits
  where numerator > 0 and denominator > 0
),

final as (
  select
    symbol,
    coalesce(lag(date) over (partition by symbol order by date), date '1900-01-01') as valid_from,
    date as valid_to,
    exp(sum(ln(ratio)) over (
      partition by symbol order by date desc rows between unbounded preceding and current row
    )) as factor
  from splits
)

select * from final
