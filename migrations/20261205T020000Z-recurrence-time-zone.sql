-- A recurring series keeps its wall-clock time in a named IANA time zone across daylight-saving
-- changes; series booked before zones existed stepped in UTC, which 'UTC' describes exactly.
ALTER TABLE recurrences ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
