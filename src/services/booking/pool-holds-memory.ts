// The pools' holds kept in memory between bookings, read by the booking path and the free-window
// search (`GET /availability`) instead of each pool's whole future from the table.
//
// Invariant: an entry (V, holds) of a pool is used only while the pool's hold version in the
// table is V, and then `holds` are exactly the pool's held rows (state confirmed) in the table.
// Why it holds, whole:
//   1. Every statement that changes a pool's reservations, whoever runs it (a booking, the loop,
//      a cancel, another replica), bumps the pool's version by one in its own transaction (a
//      statement trigger: migrations/20261128T100000Z-pool-hold-versions.sql). Rows and version
//      commit together, and versions only grow.
//   2. An entry read from the table is read in one statement with its version (`loadPool`): the
//      rows are the table at that version.
//   3. Memory moves on without reading in two cases. A booking batch that read V under the pool's
//      lock and wrote in one statement stores (V+1, holds + its bookings) after its commit
//      (`afterBatch`): right when its write was the only bump after V; if another writer's came
//      between, the table was already past V+1 when the entry was stored, so (1) it is never used.
//      A one-at-a-time booking learns from the version row that the bumps from V to W were all its
//      own (migrations/20261128T130000Z-pool-hold-version-owner.sql) and stores (W, holds at V +
//      its changes) when memory is at V (`afterOwnWrites`): right when the entry at V was; an entry
//      at V that was wrong was stored after the table passed V, hence (its bumps being contiguous
//      and committed at once) after it passed W: again never used.
//   4. Memory never goes back: an entry replaces one only with a higher version (a reader that
//      loaded an older version than a concurrent writer stored keeps its own copy).
// Entries are immutable HoldIndex values, so a reader keeps what it was handed whatever memory
// moves on to. test/unit/booking/hold-index.property.test.ts and
// test/integration/booking/pool-holds-memory.property.test.ts try to break this.
import type { Kysely } from "kysely";
import { toReservation } from "../../adapters/db/mappers.ts";
import {
  loadPoolHoldsWithVersion,
  readPoolHoldVersions,
} from "../../adapters/db/repos/pool-hold-versions.ts";
import type { Database } from "../../adapters/db/tables.ts";
import type { Millis, Reservation } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import { HoldIndex } from "./hold-index.ts";

/** A pool's holds at one hold version. */
export interface PoolHolds {
  readonly version: string;
  readonly index: HoldIndex;
}

export class PoolHoldsMemory {
  private readonly entries = new Map<string, PoolHolds>();

  /**
   * The pool's holds at `version`, the version its caller read on `db` (holding the pool's lock,
   * or as of now): memory when it is at that version, else read whole from the table.
   */
  async at(db: Kysely<Database>, pool: string, version: string, now: Millis): Promise<PoolHolds> {
    const kept = this.entries.get(pool);
    if (kept && kept.version === version) return kept;
    return this.loadPool(db, pool, now);
  }

  /** Several pools' holds as of now: one statement for their versions, then only stale pools read. */
  async current(
    db: Kysely<Database>,
    pools: readonly string[],
    now: Millis,
  ): Promise<Map<string, PoolHolds>> {
    const out = new Map<string, PoolHolds>();
    for (const [pool, version] of await readPoolHoldVersions(db, pools)) {
      out.set(pool, await this.at(db, pool, version, now));
    }
    return out;
  }

  /** After a batch's commit: it read `seen` under the pool's lock and then inserted `added` in one statement. */
  afterBatch(pool: string, seen: PoolHolds, added: readonly Reservation[]): void {
    const version = added.length > 0 ? String(BigInt(seen.version) + 1n) : seen.version;
    this.store(pool, { version, index: added.length > 0 ? seen.index.withChanges({ added }) : seen.index });
  }

  /** After the commit of a booking whose own writes alone took the pool from `from` to `to`. */
  afterOwnWrites(
    pool: string,
    versions: { readonly from: string; readonly to: string },
    changes: { readonly added: readonly Reservation[]; readonly removed: readonly Reservation[] },
  ): void {
    const kept = this.entries.get(pool);
    if (kept?.version !== versions.from) return;
    this.store(pool, { version: versions.to, index: kept.index.withChanges(changes) });
  }

  /** Forgets a pool (a batch failed: what it wrote is unknown). */
  forget(pool: string): void {
    this.entries.delete(pool);
  }

  private async loadPool(db: Kysely<Database>, pool: string, now: Millis): Promise<PoolHolds> {
    const loaded = await loadPoolHoldsWithVersion(db, pool, now);
    const holds = {
      version: loaded.version,
      index: new HoldIndex(loaded.rows.map((r) => toReservation(r, now))),
    };
    this.store(pool, holds);
    return holds;
  }

  private store(pool: string, holds: PoolHolds): void {
    const kept = this.entries.get(pool);
    if (!kept || BigInt(kept.version) < BigInt(holds.version)) this.entries.set(pool, holds);
  }
}

/** The pool's holds as of now (the free-window search): exact whoever wrote last. */
export async function currentHolds(ctx: ServiceContext, pool: string): Promise<Reservation[]> {
  const now = ctx.clock.now();
  const [entry] = (await ctx.booking.holds.current(ctx.db, [pool], now)).values();
  return entry!.index.holdsAfter(now);
}
