-- Read-only calendar tokens: each reads one team's reservations as an iCalendar feed and nothing
-- else. Kept apart from api_tokens so a calendar secret can never authenticate an API call; only a
-- SHA-256 of the secret is stored, as for bearer tokens.
CREATE TABLE calendar_tokens (
  id text PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  team text NOT NULL REFERENCES teams(name),
  name text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX calendar_tokens_team ON calendar_tokens (team, created_at);
