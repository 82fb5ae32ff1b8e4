-- Berth's initial schema. Times are timestamptz (UTC); GPU slots are guarded by an exclusion
-- constraint so double-booking is impossible in the database itself (DESIGN.md invariant 1).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE teams (
  name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  -- Kubernetes namespaces whose Jobs act for this team (label berth.dev/team).
  namespaces text[] NOT NULL DEFAULT '{}',
  -- GPU-hours per UTC ISO week per priority; a missing key means the service default.
  quota jsonb NOT NULL DEFAULT '{}'::jsonb,
  max_gpus integer CHECK (max_gpus >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  team text REFERENCES teams(name),
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Only a SHA-256 of each secret is stored; the secret is shown once at creation.
CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  name text NOT NULL,
  team text REFERENCES teams(name),
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  user_id text REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CHECK (role = 'admin' OR team IS NOT NULL)
);

CREATE TABLE pools (
  name text PRIMARY KEY,
  product text NOT NULL,
  compute_capability text NOT NULL,
  gpus_per_node integer NOT NULL CHECK (gpus_per_node > 0),
  gpu_memory_mib integer,
  cpu_milli_per_gpu integer,
  memory_mib_per_gpu integer
);

CREATE TABLE nodes (
  name text PRIMARY KEY,
  pool text NOT NULL REFERENCES pools(name),
  gpus integer NOT NULL CHECK (gpus > 0),
  up boolean NOT NULL DEFAULT true
);
CREATE INDEX nodes_pool ON nodes (pool);

CREATE TABLE recurrences (
  id text PRIMARY KEY,
  team text NOT NULL REFERENCES teams(name),
  frequency text NOT NULL CHECK (frequency IN ('daily', 'weekly')),
  until_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reservations (
  id text PRIMARY KEY,
  team text NOT NULL REFERENCES teams(name),
  pool text NOT NULL REFERENCES pools(name),
  nodes integer NOT NULL CHECK (nodes > 0),
  gpus_per_node integer NOT NULL CHECK (gpus_per_node > 0),
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  priority text NOT NULL CHECK (priority IN ('critical', 'high', 'normal', 'low', 'best-effort')),
  -- Stored states are the terminal ones plus `confirmed`; `active` is derived from the clock
  -- (CONTRACTS §4: active exactly when start <= now < end) so it can never go stale.
  state text NOT NULL CHECK (state IN ('confirmed', 'completed', 'cancelled', 'displaced', 'released')),
  kind text NOT NULL DEFAULT 'booking' CHECK (kind IN ('booking', 'maintenance')),
  title text NOT NULL DEFAULT '',
  -- The placement as booked: [{node, gpus:[ordinals]}]; the slot rows below enforce it.
  placement jsonb NOT NULL,
  booked_at timestamptz NOT NULL,
  booked_by text,
  recurrence_id text REFERENCES recurrences(id),
  displaced_by text,
  reason text,
  ended_at timestamptz,
  -- When the loop announced the start (reservation.started); NULL until then.
  started_at timestamptz,
  -- A monotonically increasing key for stable cursors (ids are random).
  seq bigserial NOT NULL UNIQUE,
  CHECK (end_at > start_at)
);
CREATE INDEX reservations_pool_window ON reservations (pool, end_at, start_at);
CREATE INDEX reservations_team ON reservations (team, seq);

-- One row per (node, GPU ordinal) a reservation holds. No two rows may overlap in time on the same
-- ordinal of the same node: the database refuses with SQLSTATE 23P01 whatever the application did.
CREATE TABLE reservation_slots (
  reservation_id text NOT NULL REFERENCES reservations(id) ON DELETE CASCADE,
  node text NOT NULL REFERENCES nodes(name),
  ordinal integer NOT NULL CHECK (ordinal >= 0),
  during tstzrange NOT NULL CHECK (NOT isempty(during)),
  PRIMARY KEY (reservation_id, node, ordinal),
  CONSTRAINT reservation_slots_no_overlap EXCLUDE USING gist (node WITH =, ordinal WITH =, during WITH &&)
);

CREATE TABLE jobs (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('train', 'validate', 'external')),
  team text NOT NULL REFERENCES teams(name),
  pool text NOT NULL REFERENCES pools(name),
  gpus integer NOT NULL CHECK (gpus > 0),
  priority text NOT NULL CHECK (priority IN ('critical', 'high', 'normal', 'low', 'best-effort')),
  reservation_id text REFERENCES reservations(id),
  spec jsonb NOT NULL DEFAULT '{}'::jsonb,
  state text NOT NULL CHECK (state IN ('queued', 'admitted', 'running', 'succeeded', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  placement jsonb,
  submitted_at timestamptz NOT NULL,
  submitted_by text,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz,
  seq bigserial NOT NULL UNIQUE
);
CREATE INDEX jobs_state ON jobs (state, priority);
CREATE INDEX jobs_team ON jobs (team, seq);

CREATE TABLE job_attempts (
  job_id text NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  placement jsonb NOT NULL,
  lent_from text[] NOT NULL DEFAULT '{}',
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  outcome text CHECK (outcome IN ('succeeded', 'failed', 'preempted', 'stopped', 'cancelled')),
  PRIMARY KEY (job_id, attempt)
);

CREATE TABLE models (
  id text PRIMARY KEY,
  name text NOT NULL,
  version text NOT NULL,
  team text NOT NULL REFERENCES teams(name),
  state text NOT NULL DEFAULT 'candidate' CHECK (state IN ('candidate', 'promoted', 'rejected')),
  inference jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, version)
);

CREATE TABLE ab_checks (
  id text PRIMARY KEY,
  model_id text NOT NULL REFERENCES models(id),
  job_id text REFERENCES jobs(id),
  passed boolean,
  report jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- GPU-seconds used vs booked per reservation, maintained by the loop.
CREATE TABLE usage (
  reservation_id text PRIMARY KEY REFERENCES reservations(id) ON DELETE CASCADE,
  gpu_seconds_booked double precision NOT NULL DEFAULT 0,
  gpu_seconds_used double precision NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Who booked, displaced, preempted, cancelled what, when and why. Append-only: a trigger refuses
-- UPDATE and DELETE so history cannot be rewritten from the application.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  team text,
  reservation_id text,
  job_id text,
  reason text,
  lost_gpu_hours double precision NOT NULL DEFAULT 0,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '55000';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- The event outbox: SSE streams and webhooks read from it in id order, so every consumer sees
-- state changes in the order they were committed, and a reconnecting stream resumes by id.
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  type text NOT NULL,
  team text,
  data jsonb NOT NULL
);

CREATE TABLE webhooks (
  id text PRIMARY KEY,
  team text NOT NULL REFERENCES teams(name),
  url text NOT NULL,
  secret text NOT NULL,
  events text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  webhook_id text NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event_id bigint NOT NULL REFERENCES events(id),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  delivered_at timestamptz,
  failed_at timestamptz,
  last_error text,
  PRIMARY KEY (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;

-- Responses remembered per (token, Idempotency-Key) so a retried POST answers the same.
CREATE TABLE idempotency_keys (
  token_id text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status integer NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (token_id, key)
);

-- Decisions of the loop, written before they are applied (DESIGN.md invariant 4).
CREATE TABLE decisions (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  job_id text,
  reservation_id text,
  payload jsonb NOT NULL,
  state text NOT NULL CHECK (state IN ('intent', 'applied', 'failed')),
  applied_at timestamptz
);
CREATE INDEX decisions_pending ON decisions (id) WHERE state = 'intent';

CREATE TABLE stream_tickets (
  ticket_hash text PRIMARY KEY,
  token_id text NOT NULL,
  expires_at timestamptz NOT NULL
);
