-- One slot row per (reservation, node) instead of one per GPU ordinal: the row holds the set of
-- ordinals as an int4multirange, and the exclusion constraint refuses two rows of one node whose
-- ordinal sets and windows both overlap. The guarantee is the same (no GPU held twice at once), but
-- a booking of 8 GPUs on a node writes one GiST entry, one primary-key entry, one foreign-key check
-- and one node-key trigger call instead of eight; slot rows were most of what a booking cost the
-- database (BENCHMARKS.md, "Slot rows per node").
CREATE TABLE reservation_gpu_sets (
  reservation_id text NOT NULL REFERENCES reservations(id) ON DELETE CASCADE,
  node text NOT NULL REFERENCES nodes(name),
  node_key integer NOT NULL,
  gpus int4multirange NOT NULL CHECK (NOT isempty(gpus) AND lower(gpus) >= 0),
  during tstzrange NOT NULL CHECK (NOT isempty(during))
);
INSERT INTO reservation_gpu_sets (reservation_id, node, node_key, gpus, during)
  SELECT reservation_id, node, node_key, range_agg(int4range(ordinal, ordinal + 1)), during
  FROM reservation_slots
  GROUP BY reservation_id, node, node_key, during;
DROP TABLE reservation_slots;
ALTER TABLE reservation_gpu_sets RENAME TO reservation_slots;
ALTER TABLE reservation_slots ADD PRIMARY KEY (reservation_id, node);
ALTER TABLE reservation_slots ADD CONSTRAINT reservation_slots_no_overlap
  EXCLUDE USING gist (node_key WITH =, gpus WITH &&, during WITH &&);
CREATE TRIGGER reservation_slots_node_key BEFORE INSERT OR UPDATE OF node ON reservation_slots
  FOR EACH ROW EXECUTE FUNCTION reservation_slots_node_key();
