// Reading the event outbox for the stream: where it ends now, and what follows a cursor.
import { eventsAfter, lastEventId, type StoredEvent } from "../../adapters/db/repos/events.ts";
import type { ServiceContext } from "../context.ts";

export type { StoredEvent };

/** The cursor of the newest event: a stream opened now starts after it. */
export function latestEventCursor(ctx: ServiceContext): Promise<string> {
  return lastEventId(ctx.db);
}

/** Up to `limit` events after `cursor`, oldest first, optionally one team's only. */
export function readEventsAfter(
  ctx: ServiceContext,
  cursor: string,
  limit: number,
  team?: string,
): Promise<StoredEvent[]> {
  return eventsAfter(ctx.db, cursor, limit, team);
}
