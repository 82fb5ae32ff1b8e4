// A team's reservations as an iCalendar feed, for the calendar token in the feed's URL: the last 30
// days and everything booked ahead. Bookings that were cancelled or displaced stay in the feed as
// cancelled events, so calendars that already hold them take them off.
import { findLiveCalendarToken } from "../../adapters/db/repos/calendar-tokens.ts";
import { listReservationsOverlapping } from "../../adapters/db/repos/reservations.ts";
import { DomainError } from "../../basics/domain-error.ts";
import type { ServiceContext } from "../context.ts";
import { hashCalendarSecret } from "./calendar-tokens.ts";
import { type CalendarEvent, icalendar } from "./icalendar.ts";

const DAY_MS = 86_400_000;
const PAST_MS = 30 * DAY_MS;
/** A feed keeps at most this many events, the earliest first: calendar applications choke on more. */
const MAX_EVENTS = 5_000;

export async function calendarFeed(ctx: ServiceContext, secret: string): Promise<string> {
  const token = await findLiveCalendarToken(ctx.db, hashCalendarSecret(secret));
  if (!token) throw new DomainError("unauthenticated", "the calendar token is invalid or revoked");
  const now = ctx.clock.now();
  const rows = await listReservationsOverlapping(
    ctx.db,
    { team: token.team },
    ["confirmed", "completed", "released", "cancelled", "displaced"],
    { start: now - PAST_MS, end: now + ctx.rules.horizonMs + ctx.rules.maxLengthMs },
  );
  const events: CalendarEvent[] = rows.slice(0, MAX_EVENTS).map((r) => {
    const gpus = r.nodes * r.gpus_per_node;
    const cancelled = r.state === "cancelled" || r.state === "displaced";
    return {
      uid: `${r.id}@berth`,
      start: r.start_at.getTime(),
      end: r.end_at.getTime(),
      summary: `${r.title || "GPU reservation"} (${gpus} × ${r.pool})`,
      description: [
        `Team ${r.team}, ${r.priority} priority, ${r.nodes} × ${r.gpus_per_node} GPUs of ${r.pool}.`,
        `Reservation ${r.id}, ${r.state}${r.reason ? `: ${r.reason}` : ""}.`,
      ].join("\n"),
      cancelled,
    };
  });
  return icalendar({ name: `Berth: team ${token.team}`, now, events });
}
