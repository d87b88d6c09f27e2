-- purpose: NYSE regular sessions (New York date, UTC open and close, 13:00 early closes flagged)
-- grain: one row per session
-- key: session_date
select session_date, open_at, close_at, early_close
from stg_calendar__sessions
