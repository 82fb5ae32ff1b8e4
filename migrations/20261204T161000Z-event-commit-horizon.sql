-- The event stream's cursor must never skip an event. Ids come from a sequence when the row is
-- inserted, not when its transaction commits, so on PostgreSQL a reader can see id 12 before id 11
-- commits and, resuming after 12, never send 11. Each event now records the id of the transaction
-- that wrote it; readers take only events of transactions older than the oldest one still running
-- (pg_snapshot_xmin of their snapshot: everything below it has finished, so the set cannot grow
-- there), in (txid, id) order, which new commits can only extend at the end.
-- Rejected: a commit-ordered sequence assigned under a lock (every event-writing transaction,
-- bookings included, would queue on one lock until commit).
ALTER TABLE events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_txid_id ON events (txid, id);
