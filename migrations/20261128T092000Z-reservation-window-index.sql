-- Finds the held reservations overlapping a window without scanning the pool's later ones: a
-- booking batch asks this once per booking (BENCHMARKS.md, "Booking path"). The btree on
-- (pool, end_at, start_at) can bound only one side of an overlap test; a GiST over the window
-- bounds both. Partial: only holding rows are ever searched this way.
CREATE INDEX reservations_held_window ON reservations
  USING gist (tstzrange(start_at, end_at, '[)')) WHERE state = 'confirmed';
