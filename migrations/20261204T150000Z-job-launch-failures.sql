-- Why a job is where it is when Berth put it there (a launch the cluster refused, a pod that could
-- not run), and when a job whose launch failed for a reason that may pass may be admitted again.
-- The failures are counted so that a cause that never passes ends in `failed`, not in an endless
-- retry (services/scheduling/launch-failures.ts).
ALTER TABLE jobs
  ADD COLUMN reason text,
  ADD COLUMN retry_at timestamptz,
  ADD COLUMN launch_failures integer NOT NULL DEFAULT 0;
