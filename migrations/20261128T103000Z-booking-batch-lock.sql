-- One round trip for what a booking batch does first: take its advisory locks (session level, in
-- the order given: teams, then the pool) and then read the pool's hold version and the teams' rows.
-- VOLATILE and PL/pgSQL, so the read after the locks gets a fresh snapshot and sees every commit
-- made before the locks were granted (a plain SELECT would read as of its own start, before the
-- wait). The batch writes in one autocommitted statement and then releases the locks
-- (services/booking-batch.ts); a dropped connection releases them too.
CREATE FUNCTION berth_batch_lock(keys text[], batch_pool text, team_names text[])
RETURNS TABLE (hold_version bigint, team jsonb)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  k text;
BEGIN
  FOREACH k IN ARRAY keys LOOP
    PERFORM pg_advisory_lock(hashtext(k));
  END LOOP;
  RETURN QUERY
    SELECT coalesce((SELECT v.version FROM pool_hold_versions v WHERE v.pool = batch_pool), 0),
           to_jsonb(t)
    FROM (SELECT 1) AS one
    LEFT JOIN teams t ON t.name = ANY (team_names);
END $$;
