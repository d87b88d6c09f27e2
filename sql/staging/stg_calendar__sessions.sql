-- purpose: NYSE regular sessions from the calendar the code owns (etl/core/calendar.ts), early closes included
-- grain: one row per session
-- key: session_date
select session_date, open_at, close_at, early_close
from {{ source('sessions') }}
