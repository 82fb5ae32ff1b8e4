// Pools and nodes change rarely (an admin's PUT, node loss), yet every booking reads them. Cached
// per database for a few seconds: a change made through this process is seen at once, one made
// through another replica within TTL_MS.
import type { Kysely } from "kysely";
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import type { Database } from "../../adapters/db/tables.ts";
import type { Inventory } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";

const TTL_MS = 5_000;
const cache = new WeakMap<Kysely<Database>, { at: number; inventory: Promise<Inventory> }>();

export function cachedInventory(ctx: ServiceContext): Promise<Inventory> {
  const hit = cache.get(ctx.db);
  const now = Date.now();
  if (hit && now - hit.at < TTL_MS) return hit.inventory;
  const inventory = loadInventory(ctx.db);
  cache.set(ctx.db, { at: now, inventory });
  inventory.catch(() => cache.delete(ctx.db));
  return inventory;
}

export function invalidateInventory(ctx: ServiceContext): void {
  cache.delete(ctx.db);
}
