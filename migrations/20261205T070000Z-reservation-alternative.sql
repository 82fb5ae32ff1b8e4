-- A displaced reservation keeps the window it was offered instead (or NULL when none was free), so
-- its team finds the reason and the alternative on the reservation itself, whatever displaced it
-- (a stronger booking, node loss, a maintenance window).
ALTER TABLE reservations ADD COLUMN alternative jsonb;
