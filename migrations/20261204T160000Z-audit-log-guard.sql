-- The audit log cannot be erased by the application's own role. Its row trigger already refuses
-- UPDATE and DELETE; TRUNCATE skips row triggers, so a statement trigger refuses it too. An owner
-- can still disable or drop those triggers, or drop the table: where this role may create event
-- triggers (a superuser, as in the test server and PGlite), an event trigger refuses any DDL that
-- leaves audit_log's triggers disabled or missing, and any drop of the table or its triggers.
-- Where it may not, the migration says so in a notice and the remedy is a separate owner role
-- (README, "The audit log"). An event trigger cannot stop a superuser who drops it first.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE FUNCTION audit_log_guard_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_trigger t
    WHERE t.tgrelid = 'audit_log'::regclass
      AND t.tgname IN ('audit_log_no_change', 'audit_log_no_truncate')
      AND t.tgenabled NOT IN ('O', 'A')
  ) OR (
    SELECT count(*) FROM pg_trigger t
    WHERE t.tgrelid = 'audit_log'::regclass
      AND t.tgname IN ('audit_log_no_change', 'audit_log_no_truncate')
  ) < 2 THEN
    RAISE EXCEPTION 'audit_log is append-only: its triggers stay enabled' USING ERRCODE = '55000';
  END IF;
END $$;

CREATE FUNCTION audit_log_guard_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_event_trigger_dropped_objects() d
    WHERE (d.object_type = 'table' AND d.object_name = 'audit_log')
       OR (d.object_type = 'trigger' AND d.object_identity LIKE '% on %audit_log')
  ) THEN
    RAISE EXCEPTION 'audit_log is append-only: it and its triggers cannot be dropped' USING ERRCODE = '55000';
  END IF;
END $$;

DO $$
BEGIN
  CREATE EVENT TRIGGER audit_log_guard_ddl ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'CREATE TRIGGER', 'ALTER TRIGGER')
    EXECUTE FUNCTION audit_log_guard_ddl();
  CREATE EVENT TRIGGER audit_log_guard_drop ON sql_drop EXECUTE FUNCTION audit_log_guard_drop();
EXCEPTION WHEN insufficient_privilege OR feature_not_supported OR object_not_in_prerequisite_state THEN
  RAISE NOTICE 'audit_log: no event trigger (%): disabling or dropping its triggers is not refused here', SQLERRM;
END $$;
