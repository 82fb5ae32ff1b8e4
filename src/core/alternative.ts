// The alternative a displaced reservation is offered: the nearest free window of the same shape and
// length (what is left of it, once started) in the same pool, free without displacing anyone. One
// rule for every way a reservation loses its slots (a stronger booking, node loss, maintenance).
import type { BookingRules } from "./booking-rules.ts";
import { findFreeWindows } from "./free-windows.ts";
import type { Inventory, Millis, Reservation } from "./types.ts";

export interface Alternative {
  readonly pool: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly start: string;
  readonly end: string;
}

/** `reservations` are the holds that stay (the victim itself is ignored if present). */
export function nearestAlternative(q: {
  readonly inventory: Inventory;
  readonly reservations: readonly Reservation[];
  readonly victim: Reservation;
  readonly rules: BookingRules;
  readonly now: Millis;
}): Alternative | null {
  const { victim, now } = q;
  const alt = findFreeWindows({
    inventory: q.inventory,
    reservations: q.reservations.filter((r) => r.id !== victim.id),
    pool: victim.pool,
    nodes: victim.nodes,
    gpusPerNode: victim.gpusPerNode,
    // Bookings lie on the grid: what is left of a started one is rounded up to it.
    durationMs: Math.ceil((victim.end - Math.max(victim.start, now)) / q.rules.gridMs) * q.rules.gridMs,
    after: victim.start,
    limit: 1,
    rules: q.rules,
    now,
  })[0];
  if (!alt) return null;
  return {
    pool: victim.pool,
    nodes: victim.nodes,
    gpusPerNode: victim.gpusPerNode,
    start: new Date(alt.start).toISOString(),
    end: new Date(alt.end).toISOString(),
  };
}
