// The one reader of what bookings are decided on, for a batch and for a booking alone. From the
// table come only the rows the teams' quotas count (`quotaReads` in src/core/quota.ts); the pools'
// holds come from memory, checked against their hold versions (pool-holds-memory.ts), so no
// booking reads a pool's whole future from the table while memory is current.
//
// Narrow: the booking's pool only. A plain acceptance depends on nothing else, so it is the same
// decision the wide snapshot gives, at a cost that does not grow with the pool's bookings. Wide
// (`widen`): also the other pools, because a refusal's suggestions look later in the pool and at
// other pools, and a displaced booking is offered the nearest free window.
import type { Kysely } from "kysely";
import { toReservation } from "../../adapters/db/mappers.ts";
import { loadQuotaRows } from "../../adapters/db/repos/reservations.ts";
import type { Database } from "../../adapters/db/tables.ts";
import { asCountedByQuota, type Interval, type QuotaReads } from "../../core/index.ts";
import type { Inventory, Millis, Reservation } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import { mergeInIdOrder } from "./in-id-order.ts";
import type { PoolHolds } from "./pool-holds-memory.ts";

/** What one booking (or a recurring series: its whole span) asks for, as the snapshot sees it. */
export interface Around {
  readonly team: string;
  readonly pool: string;
  readonly start: Millis;
  readonly end: Millis;
}

export interface BookingSnapshot {
  readonly inventory: Inventory;
  readonly now: Millis;
  /** The booking's pool. */
  readonly pool: string;
  /** The pools' holds read, each at its version: the booking's pool, and the others once wide. */
  readonly pools: ReadonlyMap<string, PoolHolds>;
  readonly wide: boolean;
  /** The teams whose quota rows were read, and those rows as the quota counts them. */
  readonly quotaTeams: ReadonlySet<string>;
  readonly quotaRows: readonly Reservation[];
}

/**
 * Reads the narrow snapshot on `db`: the quota rows `reads` asks for, and the pool's holds at
 * `lockedVersion` (the version read under the pool's lock) or, without it, as of now.
 */
export async function readSnapshot(
  ctx: ServiceContext,
  db: Kysely<Database>,
  at: {
    readonly pool: string;
    readonly inventory: Inventory;
    readonly now: Millis;
    readonly lockedVersion?: string;
  },
  reads: readonly QuotaReads[],
): Promise<BookingSnapshot> {
  const { pool, inventory, now } = at;
  const rows = await loadQuotaRows(db, now, reads);
  // Only a known pool is read: its name comes from the request, and memory keeps what it reads.
  const known = inventory.pools.some((p) => p.name === pool);
  const pools = !known
    ? new Map<string, PoolHolds>()
    : at.lockedVersion !== undefined
      ? new Map([[pool, await ctx.booking.holds.at(db, pool, at.lockedVersion, now)]])
      : await ctx.booking.holds.current(db, [pool], now);
  return {
    inventory,
    now,
    pool,
    pools,
    wide: false,
    quotaTeams: new Set(reads.map((r) => r.team)),
    quotaRows: rows.map((r) => asCountedByQuota(toReservation(r, now))),
  };
}

/** The same snapshot with the other pools' holds as of now (their suggestions), read on `db`. */
export async function widen(
  ctx: ServiceContext,
  db: Kysely<Database>,
  snap: BookingSnapshot,
): Promise<BookingSnapshot> {
  if (snap.wide) return snap;
  const others = snap.inventory.pools.map((p) => p.name).filter((name) => !snap.pools.has(name));
  const read = await ctx.booking.holds.current(db, others, snap.now);
  return { ...snap, pools: new Map([...snap.pools, ...read]), wide: true };
}

/**
 * What one booking is decided on: its team's quota rows (when read), then the holds it can
 * touch: narrow, the pool's over its window; wide, the pool's from its start on and the other
 * pools' over its window. `extra` are bookings decided before it and not yet in memory (a
 * batch's acceptances), filtered alike. Each id once, in id order: the same snapshot always
 * reads the same.
 */
export function decidedOn(snap: BookingSnapshot, around: Around, extra: readonly Reservation[] = []) {
  const { now } = snap;
  const quota = snap.quotaTeams.has(around.team);
  // The part of a pool's time the booking can touch; null for a pool it cannot.
  const reach = (pool: string): Interval | null => {
    if (pool !== around.pool) return snap.wide ? around : null;
    return snap.wide ? { start: Math.max(now, around.start), end: Number.POSITIVE_INFINITY } : around;
  };
  const lists: Reservation[][] = [];
  const inIdOrder = new Set<number>();
  if (quota) lists.push(snap.quotaRows.filter((r) => r.team === around.team));
  for (const [pool, holds] of snap.pools) {
    const w = reach(pool);
    if (!w) continue;
    // A window without end (the pool's whole future) reads most of the pool: in id order already.
    if (w.end === Number.POSITIVE_INFINITY) {
      inIdOrder.add(lists.length);
      lists.push(holds.index.overlappingInIdOrder(w.start, w.end, now));
    } else lists.push(holds.index.overlapping(w.start, w.end, now));
  }
  lists.push(
    extra.filter((r) => {
      const w = reach(r.pool);
      return (quota && r.team === around.team) || (w !== null && r.start < w.end && r.end > w.start);
    }),
  );
  return mergeInIdOrder(lists, inIdOrder);
}
