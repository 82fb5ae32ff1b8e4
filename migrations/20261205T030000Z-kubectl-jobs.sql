-- Jobs a kubectl user created in a team's namespace (labelled berth.dev/reservation or
-- berth.dev/queue) are Berth's to admit like its own. Their row says where the Job is, recorded at
-- first sight: the namespace, the name and the uid the API server gave it. Berth acts on such a
-- Job, and believes what it reports, only while the uid on the cluster is this one (a Job deleted
-- and created again under the same name is another Job).
ALTER TABLE jobs
  ADD COLUMN source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'kubectl')),
  ADD COLUMN kube_namespace text,
  ADD COLUMN kube_name text,
  ADD COLUMN kube_uid text,
  ADD CONSTRAINT jobs_kubectl_ref CHECK (
    (source = 'kubectl') = (kube_namespace IS NOT NULL AND kube_name IS NOT NULL AND kube_uid IS NOT NULL)
  );
CREATE UNIQUE INDEX jobs_kube_uid ON jobs (kube_uid) WHERE kube_uid IS NOT NULL;
