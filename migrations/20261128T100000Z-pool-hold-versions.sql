-- A version per pool that every change to its reservations bumps, in the changing transaction. A
-- booking batch keeps the pool's holds in memory between batches and reads only this number under
-- the pool's lock: equal to what it saw last, nothing changed (whoever wrote: another replica, the
-- loop, a cancel) and the holds in memory are the holds in the table. Statement-level triggers
-- with transition tables: one bump per statement and pool, however many rows it touched.
CREATE TABLE pool_hold_versions (
  pool text PRIMARY KEY,
  version bigint NOT NULL
);

CREATE FUNCTION bump_pool_hold_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pool_hold_versions AS v (pool, version)
      SELECT DISTINCT pool, 1 FROM new_rows ORDER BY pool
      ON CONFLICT (pool) DO UPDATE SET version = v.version + 1;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pool_hold_versions AS v (pool, version)
      SELECT pool, 1 FROM (SELECT pool FROM new_rows UNION SELECT pool FROM old_rows) AS p ORDER BY pool
      ON CONFLICT (pool) DO UPDATE SET version = v.version + 1;
  ELSE
    INSERT INTO pool_hold_versions AS v (pool, version)
      SELECT DISTINCT pool, 1 FROM old_rows ORDER BY pool
      ON CONFLICT (pool) DO UPDATE SET version = v.version + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER reservations_bump_on_insert AFTER INSERT ON reservations
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_pool_hold_versions();
CREATE TRIGGER reservations_bump_on_update AFTER UPDATE ON reservations
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bump_pool_hold_versions();
CREATE TRIGGER reservations_bump_on_delete AFTER DELETE ON reservations
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_pool_hold_versions();
