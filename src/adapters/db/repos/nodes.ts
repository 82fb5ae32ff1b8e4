// The nodes table: one row per GPU machine, `<pool>-<i>` on the demo cluster, with its GPU count
// and whether it is up. Nodes are never deleted: past reservations and runs still name them.
import type { Kysely, Transaction } from "kysely";
import type { Database, NodeRow } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;

/** Every node, or one pool's, by name. */
export async function listNodeRows(db: Handle, pool?: string): Promise<NodeRow[]> {
  let q = db.selectFrom("nodes").selectAll();
  if (pool !== undefined) q = q.where("pool", "=", pool);
  return q.orderBy("name").execute();
}

export async function getNodeRow(db: Handle, name: string): Promise<NodeRow | undefined> {
  return db.selectFrom("nodes").selectAll().where("name", "=", name).executeTakeFirst();
}

export async function upsertNode(
  db: Handle,
  node: { name: string; pool: string; gpus: number; up?: boolean },
): Promise<void> {
  await db
    .insertInto("nodes")
    .values({ name: node.name, pool: node.pool, gpus: node.gpus, up: node.up ?? true })
    .onConflict((oc) =>
      oc.column("name").doUpdateSet({ pool: node.pool, gpus: node.gpus, up: node.up ?? true }),
    )
    .execute();
}

/** Marks every node that is up and not in `keep` down; returns their names. */
export async function markNodesDownExcept(db: Handle, keep: ReadonlySet<string>): Promise<string[]> {
  const rows = await db.selectFrom("nodes").select(["name", "up"]).execute();
  const gone = rows.filter((r) => !keep.has(r.name) && r.up).map((r) => r.name);
  if (gone.length > 0) await db.updateTable("nodes").set({ up: false }).where("name", "in", gone).execute();
  return gone;
}
