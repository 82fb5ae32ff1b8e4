// A pool's holds kept in memory between booking batches (services/booking-batch.ts) and read by
// the free-window search (`GET /availability`). Trusted only while the pool's hold version in the
// database equals the version they were read or advanced at: every write to the pool's
// reservations, by anyone, bumps it in the writing transaction (a trigger), so an equal version
// means the memory is the table. On a mismatch (at start, after another writer) the pool's holds
// are read whole, in one statement with their version, and memory starts again from there.
import type { Kysely } from "kysely";
import { toReservation } from "../../adapters/db/mappers.ts";
import { loadPoolHoldsWithVersion, readPoolHoldVersions } from "../../adapters/db/repos/reservations.ts";
import type { Database } from "../../adapters/db/tables.ts";
import type { Millis, Reservation } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";

/** Holds sorted by start, searchable by window. */
export class HoldIndex {
  private readonly byStart: Reservation[];
  private longest = 0;

  constructor(holds: readonly Reservation[]) {
    this.byStart = [...holds].sort((a, b) => a.start - b.start);
    for (const h of holds) this.longest = Math.max(this.longest, h.end - h.start);
  }

  get size(): number {
    return this.byStart.length;
  }

  /** Holds overlapping [start, end) that have not ended by `now`. */
  overlapping(start: Millis, end: Millis, now: Millis): Reservation[] {
    const out: Reservation[] = [];
    // Nothing starting before start − longest can reach start.
    for (let i = this.firstStartingAtOrAfter(start - this.longest); i < this.byStart.length; i++) {
      const h = this.byStart[i]!;
      if (h.start >= end) break;
      if (h.end > start && h.end > now) out.push(h);
    }
    return out;
  }

  /** Every hold that has not ended by `now`, in a new array. */
  holdsAfter(now: Millis): Reservation[] {
    return this.byStart.filter((h) => h.end > now);
  }

  /** Drops `h` (found by its start and id); nothing when it is not here. */
  remove(h: Reservation): void {
    for (let i = this.firstStartingAtOrAfter(h.start); i < this.byStart.length; i++) {
      const at = this.byStart[i]!;
      if (at.start !== h.start) return;
      if (at.id === h.id) {
        this.byStart.splice(i, 1);
        return;
      }
    }
  }

  add(h: Reservation): void {
    this.byStart.splice(this.firstStartingAtOrAfter(h.start + 1), 0, h);
    this.longest = Math.max(this.longest, h.end - h.start);
  }

  private firstStartingAtOrAfter(t: Millis): number {
    let lo = 0;
    let hi = this.byStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.byStart[mid]!.start < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

interface Entry {
  readonly version: string;
  readonly index: HoldIndex;
}

const memory = new WeakMap<Kysely<Database>, Map<string, Entry>>();

function entries(ctx: ServiceContext): Map<string, Entry> {
  let m = memory.get(ctx.db);
  if (!m) {
    m = new Map();
    memory.set(ctx.db, m);
  }
  return m;
}

/**
 * The pool's holds as of the transaction `trx`, which holds the pool's lock: from memory when the
 * pool's version is the one memory was left at, else read whole from the table (with the version,
 * in one statement). Nothing is remembered until `remember` after the commit.
 */
export async function holdsUnderLock(
  ctx: ServiceContext,
  db: Kysely<Database>,
  pool: string,
  now: Millis,
  /** The version the caller read on `db` after taking the lock. */
  version: string,
): Promise<Entry & { readonly fresh: boolean }> {
  const kept = entries(ctx).get(pool);
  if (kept && kept.version === version) return { ...kept, fresh: false };
  const loaded = await loadPoolHoldsWithVersion(db, pool, now);
  return {
    version: loaded.version,
    index: new HoldIndex(loaded.rows.map((r) => toReservation(r, now))),
    fresh: true,
  };
}

/**
 * The pool's holds as of now, for readers that take no lock (the free-window search): memory when
 * the pool's version says it is current, else read whole (with the version, in one statement) and
 * kept when newer than memory. Exact whoever wrote last, this replica or another.
 */
export async function currentHolds(ctx: ServiceContext, pool: string): Promise<Reservation[]> {
  const now = ctx.clock.now();
  const [entry] = (await currentHoldsOf(ctx, ctx.db, [pool], now)).values();
  return entry!.index.holdsAfter(now);
}

/**
 * Several pools' holds as of now, read on `db` without their locks (a batch's suggestions of other
 * pools): one statement for the versions, then only the pools whose memory is behind are read.
 */
export async function currentHoldsOf(
  ctx: ServiceContext,
  db: Kysely<Database>,
  pools: readonly string[],
  now: Millis,
): Promise<Map<string, Entry>> {
  const versions = await readPoolHoldVersions(db, pools);
  const out = new Map<string, Entry>();
  for (const [pool, version] of versions) {
    const kept = entries(ctx).get(pool);
    if (kept && kept.version === version) {
      out.set(pool, kept);
      continue;
    }
    const loaded = await loadPoolHoldsWithVersion(db, pool, now);
    const index = new HoldIndex(loaded.rows.map((r) => toReservation(r, now)));
    const latest = entries(ctx).get(pool);
    if (!latest || BigInt(latest.version) < BigInt(loaded.version)) {
      entries(ctx).set(pool, { version: loaded.version, index });
    }
    out.set(pool, { version: loaded.version, index });
  }
  return out;
}

/**
 * After the commit of a transaction that saw `seen` and inserted `added` in one statement (one
 * bump of the version), remembers the pool's holds at the version that commit left.
 */
export function remember(
  ctx: ServiceContext,
  pool: string,
  seen: Entry,
  added: readonly Reservation[],
): void {
  for (const r of added) seen.index.add(r);
  const version = added.length > 0 ? String(BigInt(seen.version) + 1n) : seen.version;
  entries(ctx).set(pool, { version, index: seen.index });
}

/**
 * After the commit of a one-at-a-time booking that decided on the pool's holds at `from` and, by
 * its own writes alone, left the pool at `to` (`ownHoldVersionBumps`): moves memory there by
 * applying those writes, when memory is still at `from`; otherwise leaves it to be read again.
 */
export function applyOwnWrites(
  ctx: ServiceContext,
  pool: string,
  versions: { readonly from: string; readonly to: string },
  writes: { readonly added: readonly Reservation[]; readonly removed: readonly Reservation[] },
): void {
  const kept = entries(ctx).get(pool);
  if (!kept || kept.version !== versions.from) return;
  for (const r of writes.removed) kept.index.remove(r);
  for (const r of writes.added) kept.index.add(r);
  entries(ctx).set(pool, { version: versions.to, index: kept.index });
}

/** Forgets a pool's holds (a batch that failed may have left them half-updated). */
export function forget(ctx: ServiceContext, pool: string): void {
  entries(ctx).delete(pool);
}
