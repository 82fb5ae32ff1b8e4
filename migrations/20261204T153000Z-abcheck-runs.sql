-- A/B checks run and judged by Berth: a check is queued with the validation job that runs it, moves
-- to running, and ends passed or failed (the gate's verdict on the report's numbers, computed by
-- Berth) or error (the job failed, or left no summary). It is judged for the compute capability of
-- the pool it ran on (a promotion on a pool reads the latest finished check of that capability).
ALTER TABLE ab_checks ADD COLUMN state text NOT NULL DEFAULT 'error'
  CHECK (state IN ('queued', 'running', 'passed', 'failed', 'error'));
ALTER TABLE ab_checks ADD COLUMN pool text REFERENCES pools(name);
ALTER TABLE ab_checks ADD COLUMN compute_capability text;
ALTER TABLE ab_checks ADD COLUMN data text;
ALTER TABLE ab_checks ADD COLUMN reasons jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE ab_checks ADD COLUMN unlocks_fp16 boolean NOT NULL DEFAULT false;
-- Where the FP16 side's arithmetic ran, as Berth knows it: 'gpu', or 'emulated-on-cpu'.
ALTER TABLE ab_checks ADD COLUMN fp16_arithmetic text;
ALTER TABLE ab_checks ADD COLUMN finished_at timestamptz;
-- Checks recorded before Berth judged them kept the client's verdict; they name no pool, so they
-- decide for no compute capability.
UPDATE ab_checks SET state = CASE WHEN passed THEN 'passed' ELSE 'failed' END, finished_at = created_at,
  fp16_arithmetic = report->>'fp16Arithmetic';
CREATE INDEX ab_checks_job ON ab_checks (job_id) WHERE job_id IS NOT NULL;

-- A model version a train job registered remembers the job and the pool it trained on (the default
-- pool of its A/B check).
ALTER TABLE models ADD COLUMN trained_by text REFERENCES jobs(id);
ALTER TABLE models ADD COLUMN training_pool text REFERENCES pools(name);
