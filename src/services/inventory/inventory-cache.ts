// Pools and nodes change rarely (an admin's PUT, node loss), yet every booking reads them. Cached
// for a few seconds in the process's booking state (services/booking/booking-state.ts): a change
// made through this process is seen at once, one made through another replica within TTL_MS.
import type { Kysely } from "kysely";
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import type { Database } from "../../adapters/db/tables.ts";
import type { Inventory } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";

const TTL_MS = 5_000;

export class InventoryCache {
  private hit: { at: number; inventory: Promise<Inventory> } | undefined;

  get(db: Kysely<Database>): Promise<Inventory> {
    const now = Date.now();
    if (this.hit && now - this.hit.at < TTL_MS) return this.hit.inventory;
    const entry = { at: now, inventory: loadInventory(db) };
    this.hit = entry;
    entry.inventory.catch(() => {
      if (this.hit === entry) this.hit = undefined;
    });
    return entry.inventory;
  }

  clear(): void {
    this.hit = undefined;
  }
}

export function cachedInventory(ctx: ServiceContext): Promise<Inventory> {
  return ctx.booking.inventory.get(ctx.db);
}

export function invalidateInventory(ctx: ServiceContext): void {
  ctx.booking.inventory.clear();
}
