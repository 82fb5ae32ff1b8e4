-- Where a run lives on the cluster and which object it is: the namespace and uid of the Job the
-- executor first saw report for the run. Later reports must come from that same object, so a Job
-- someone else created with the run's labels (in another namespace, or under another uid) changes
-- nothing (services/scheduling/executor-events.ts). Null until the first report; null forever on
-- the simulated cluster, whose reports carry no source.
ALTER TABLE job_attempts
  ADD COLUMN run_namespace text,
  ADD COLUMN run_uid text;
