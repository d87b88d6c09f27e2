-- purpose: each portfolio's equity and P&L at its last paper run of each New York session
-- grain: one row per portfolio and session date
-- key: (portfolio_id, session_date)
with pnl as (
  select * from {{ source('books_pnl_daily') }}
),

final as (
  select
    portfolio_id,
    session_date,
    equity,
    cash,
    gross_exposure,
    net_exposure,
    realized_pnl,
    commission,
    pnl,
    daily_return,
    as_of
  from pnl
)

select * from final
