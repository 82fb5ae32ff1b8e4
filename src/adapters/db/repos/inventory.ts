// Pools and nodes: the inventory the core books against.
import type { Kysely, Transaction } from "kysely";
import type { Inventory, Pool } from "../../../core/types.ts";
import { toNode, toPool } from "../mappers.ts";
import type { Database } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;

export async function loadInventory(db: Handle): Promise<Inventory> {
  const pools = await db.selectFrom("pools").selectAll().orderBy("name").execute();
  const nodes = await db.selectFrom("nodes").selectAll().orderBy("name").execute();
  return { pools: pools.map(toPool), nodes: nodes.map(toNode) };
}

export async function upsertPool(db: Handle, pool: Pool): Promise<void> {
  const row = {
    name: pool.name,
    product: pool.product,
    compute_capability: pool.computeCapability,
    gpus_per_node: pool.gpusPerNode,
    gpu_memory_mib: pool.gpuMemoryMiB ?? null,
    cpu_milli_per_gpu: pool.cpuMilliPerGpu ?? null,
    memory_mib_per_gpu: pool.memoryMiBPerGpu ?? null,
  };
  await db
    .insertInto("pools")
    .values(row)
    .onConflict((oc) => oc.column("name").doUpdateSet(row))
    .execute();
}

export async function upsertNode(
  db: Handle,
  node: { name: string; pool: string; gpus: number; up?: boolean },
) {
  await db
    .insertInto("nodes")
    .values({ name: node.name, pool: node.pool, gpus: node.gpus, up: node.up ?? true })
    .onConflict((oc) =>
      oc.column("name").doUpdateSet({ pool: node.pool, gpus: node.gpus, up: node.up ?? true }),
    )
    .execute();
}

export async function getPool(db: Handle, name: string): Promise<Pool | undefined> {
  const row = await db.selectFrom("pools").selectAll().where("name", "=", name).executeTakeFirst();
  return row ? toPool(row) : undefined;
}
