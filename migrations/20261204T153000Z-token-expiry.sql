-- Tokens may expire: NULL never does. A member token gets the operator's default lifetime unless its
-- creator names another (src/services/access/auth.ts).
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
