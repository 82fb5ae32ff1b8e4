-- The booking batch no longer probes reservations by window: it keeps the pool's holds in memory,
-- checked against the pool's hold version (20261128T100000Z). The GiST index on the held window
-- (20261128T092000Z) only cost every booking an index insert since.
DROP INDEX reservations_held_window;
