-- Which transaction bumped a pool's hold version last, and how many times in a row. A booking
-- decided on the pool's holds in memory at version V that finds, at the end of its own
-- transaction, that it made the last k bumps and that version − k = V knows nobody else changed
-- the pool in between (its first write locked the version row until its commit): the holds at V
-- plus its own changes are the table at the new version, and memory can move there without
-- reading the pool again (services/pool-holds-memory.ts).
ALTER TABLE pool_hold_versions
  ADD COLUMN bumped_by xid8,
  ADD COLUMN bumps_in_a_row integer NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION bump_pool_hold_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pool_hold_versions AS v (pool, version, bumped_by, bumps_in_a_row)
      SELECT DISTINCT pool, 1, pg_current_xact_id(), 1 FROM new_rows ORDER BY pool
      ON CONFLICT (pool) DO UPDATE SET version = v.version + 1,
        bumps_in_a_row = CASE WHEN v.bumped_by = pg_current_xact_id() THEN v.bumps_in_a_row + 1 ELSE 1 END,
        bumped_by = pg_current_xact_id();
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pool_hold_versions AS v (pool, version, bumped_by, bumps_in_a_row)
      SELECT pool, 1, pg_current_xact_id(), 1
      FROM (SELECT pool FROM new_rows UNION SELECT pool FROM old_rows) AS p ORDER BY pool
      ON CONFLICT (pool) DO UPDATE SET version = v.version + 1,
        bumps_in_a_row = CASE WHEN v.bumped_by = pg_current_xact_id() THEN v.bumps_in_a_row + 1 ELSE 1 END,
        bumped_by = pg_current_xact_id();
  ELSE
    INSERT INTO pool_hold_versions AS v (pool, version, bumped_by, bumps_in_a_row)
      SELECT DISTINCT pool, 1, pg_current_xact_id(), 1 FROM old_rows ORDER BY pool
      ON CONFLICT (pool) DO UPDATE SET version = v.version + 1,
        bumps_in_a_row = CASE WHEN v.bumped_by = pg_current_xact_id() THEN v.bumps_in_a_row + 1 ELSE 1 END,
        bumped_by = pg_current_xact_id();
  END IF;
  RETURN NULL;
END $$;
