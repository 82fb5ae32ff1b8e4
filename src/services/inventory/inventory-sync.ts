// The inventory a real cluster reports, written into the database the core books against: every
// discovered pool and node upserted in one transaction, and nodes the cluster no longer lists marked
// down (never deleted: past reservations and runs still name them), so their bookings are re-placed.
import { markNodesDownExcept, upsertNode } from "../../adapters/db/repos/nodes.ts";
import { upsertPool } from "../../adapters/db/repos/pools.ts";
import type { Inventory } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import { invalidateInventory } from "./inventory-cache.ts";

export interface InventorySyncResult {
  readonly pools: string[];
  readonly nodes: number;
  /** Nodes in the database the cluster no longer lists, now marked down. */
  readonly vanished: string[];
}

export async function syncInventory(ctx: ServiceContext, inventory: Inventory): Promise<InventorySyncResult> {
  const seen = new Set(inventory.nodes.map((n) => n.name));
  const vanished = await ctx.db.transaction().execute(async (trx) => {
    for (const pool of inventory.pools) await upsertPool(trx, pool);
    for (const node of inventory.nodes) await upsertNode(trx, node);
    return markNodesDownExcept(trx, seen);
  });
  invalidateInventory(ctx);
  ctx.changed();
  return { pools: inventory.pools.map((p) => p.name), nodes: inventory.nodes.length, vanished };
}
