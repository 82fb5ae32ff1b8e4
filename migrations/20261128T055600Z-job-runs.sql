-- What the scheduling loop records about a job while it holds GPUs (the initial schema had landed
-- before the loop ran the core's plan(), so these come as their own migration).
-- runs_on: the reservation whose slots it runs on as owner (NULL: opportunistic); lent_from: the
-- reservations it borrows from; signal: the stop signal once given ({reason, at, stopAt, by});
-- grace_seconds: between a stop signal and the GPUs being free (checkpoint time).
ALTER TABLE jobs
  ADD COLUMN runs_on text,
  ADD COLUMN lent_from text[] NOT NULL DEFAULT '{}',
  ADD COLUMN signal jsonb,
  ADD COLUMN grace_seconds integer NOT NULL DEFAULT 30 CHECK (grace_seconds >= 0);
