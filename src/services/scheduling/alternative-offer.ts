// The alternative offered to a reservation that Berth itself displaces (node loss, maintenance):
// read from the database as it stands in the deciding transaction, so the offer accounts for every
// hold of the pool up to the horizon (the cycle's snapshot reads only the next days).
import type { Transaction } from "kysely";
import { toReservation } from "../../adapters/db/mappers.ts";
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import { listReservationsOverlapping } from "../../adapters/db/repos/reservations.ts";
import type { Database, ReservationRow } from "../../adapters/db/tables.ts";
import { type Alternative, type BookingRules, nearestAlternative } from "../../core/index.ts";
import type { Millis, Reservation } from "../../core/types.ts";

export async function offerAlternative(
  trx: Transaction<Database>,
  rules: BookingRules,
  victim: ReservationRow,
  now: Millis,
  change: { readonly without?: ReadonlySet<string>; readonly plus?: readonly Reservation[] } = {},
): Promise<Alternative | null> {
  const inventory = await loadInventory(trx);
  const length = victim.end_at.getTime() - Math.max(now, victim.start_at.getTime());
  const rows = await listReservationsOverlapping(trx, { pool: victim.pool }, ["confirmed"], {
    start: now - rules.gridMs,
    end: now + rules.horizonMs + length + rules.gridMs,
  });
  const reservations = rows
    .filter((r) => r.id !== victim.id && !change.without?.has(r.id))
    .map((r) => toReservation(r, now))
    .concat(change.plus ?? []);
  return nearestAlternative({ inventory, reservations, victim: toReservation(victim, now), rules, now });
}
