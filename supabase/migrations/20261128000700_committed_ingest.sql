-- One round trip per webhook delivery, answered only after the commit.
--
-- Why: a webhook may answer 2xx only for data that is committed. postgres.js resolves a
-- parameterised statement at its CommandComplete, before the implicit commit at Sync, and
-- drops an error raised at that commit (a deferred trigger such as the daily-metrics
-- recompute, or a server shutting down), so the functions wrapped each call in BEGIN … COMMIT:
-- three round trips, ~200 µs of function CPU per event, enough to put the Toast function's
-- HTTP ÷ direct-SQL throughput under the 0.5 target in `npm run bench`. These procedures
-- commit inside the CALL instead: every deferred trigger runs and the commit completes before
-- the statement does, so a failure there is the CALL's own error and a dropped connection
-- fails the call. One round trip, and the guarantee holds.
--
-- A procedure that commits may not be security definer nor carry a SET clause, so these run
-- as the caller (the functions' role, pipeline_functions) and name everything with its schema;
-- the ingest functions they call are security definer with a fixed search_path
-- (20261128000200_ingest.sql) and stay the only thing that writes.

-- Called as `call pipeline.ingest_toast_committed($1::jsonb, null)`: one row, `result`.
create or replace procedure pipeline.ingest_toast_committed(
  event jsonb,
  inout result jsonb default null
)
language plpgsql
as $$
begin
  result := pipeline.ingest_toast(event);
  commit;
end
$$;

-- Called as `call pipeline.ingest_sevenshifts_committed($1::jsonb, null)`.
create or replace procedure pipeline.ingest_sevenshifts_committed(
  event jsonb,
  inout result jsonb default null
)
language plpgsql
as $$
begin
  result := pipeline.ingest_sevenshifts(event);
  commit;
end
$$;

revoke execute on procedure
  pipeline.ingest_toast_committed(jsonb, jsonb),
  pipeline.ingest_sevenshifts_committed(jsonb, jsonb)
from public, anon, authenticated;

grant execute on procedure
  pipeline.ingest_toast_committed(jsonb, jsonb),
  pipeline.ingest_sevenshifts_committed(jsonb, jsonb)
to pipeline_functions, service_role;
