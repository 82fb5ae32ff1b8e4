// The inventory the core books against, read whole: every pool (repos/pools.ts) and every node
// (repos/nodes.ts), by name.
import type { Kysely, Transaction } from "kysely";
import type { Inventory } from "../../../core/types.ts";
import { toNode, toPool } from "../mappers.ts";
import type { Database } from "../tables.ts";
import { listNodeRows } from "./nodes.ts";
import { listPoolRows } from "./pools.ts";

export async function loadInventory(db: Kysely<Database> | Transaction<Database>): Promise<Inventory> {
  const pools = await listPoolRows(db);
  const nodes = await listNodeRows(db);
  return { pools: pools.map(toPool), nodes: nodes.map(toNode) };
}
