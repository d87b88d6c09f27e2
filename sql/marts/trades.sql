-- purpose: every paper fill with its order's submission time; quantity is signed (negative = sell)
-- grain: one row per fill (paper fills are whole orders)
-- key: (portfolio_id, order_id)
with trades as (
  select * from {{ source('books_trades') }}
),

final as (
  select
    portfolio_id,
    order_id,
    run_id,
    symbol,
    case when quantity > 0 then 'buy' else 'sell' end as side,
    quantity,
    price,
    quantity * price as notional,
    commission,
    realized_pnl,
    submitted_at,
    filled_at
  from trades
)

select * from final
