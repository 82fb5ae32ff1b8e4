// The holds of a pool as the free-window search reads them. Availability is read far more often
// than bookings change (the UI polls it while a user drags a window), and reading and mapping 10k
// rows dominates its cost, so the list is cached per pool for TTL_MS. Any write through this
// process's booking transactions or scheduling cycle drops the cache at once; a write through
// another replica shows within TTL_MS. A stale answer is only a hint: the booking itself decides.
import type { Kysely } from "kysely";
import { toReservation } from "../adapters/db/mappers.ts";
import type { Database } from "../adapters/db/tables.ts";
import type { Millis, Reservation } from "../core/types.ts";
import type { ServiceContext } from "./context.ts";

const TTL_MS = 1_000;
const cache = new WeakMap<Kysely<Database>, Map<string, { at: Millis; holds: Promise<Reservation[]> }>>();

export function poolHolds(ctx: ServiceContext, pool: string): Promise<Reservation[]> {
  let perDb = cache.get(ctx.db);
  if (!perDb) {
    perDb = new Map();
    cache.set(ctx.db, perDb);
  }
  const wall = Date.now();
  const hit = perDb.get(pool);
  if (hit && wall - hit.at < TTL_MS) return hit.holds;
  const now = ctx.clock.now();
  const holds = ctx.db
    .selectFrom("reservations")
    .selectAll()
    .where("state", "=", "confirmed")
    .where("pool", "=", pool)
    .where("end_at", ">", new Date(now))
    .execute()
    .then((rows) => rows.map((r) => toReservation(r, now)));
  perDb.set(pool, { at: wall, holds });
  holds.catch(() => perDb.delete(pool));
  return holds;
}

export function invalidatePoolHolds(ctx: ServiceContext): void {
  cache.delete(ctx.db);
}
