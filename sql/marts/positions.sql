-- purpose: what each portfolio holds after its latest paper run, valued at the latest close it saw
-- grain: one row per portfolio and symbol with a non-zero position
-- key: (portfolio_id, symbol)
with positions as (
  select * from {{ source('books_positions') }}
),

final as (
  select
    portfolio_id,
    symbol,
    quantity,
    average_cost,
    mark,
    market_value,
    as_of
  from positions
  where quantity <> 0
)

select * from final
