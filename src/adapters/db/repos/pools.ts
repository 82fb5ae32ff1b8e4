// The pools table: one row per GPU flavour (product, compute capability, GPUs per node, and the
// CPU and memory that come with each GPU).
import type { Kysely, Transaction } from "kysely";
import type { Pool } from "../../../core/types.ts";
import { toPool } from "../mappers.ts";
import type { Database, PoolRow } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;

export async function listPoolRows(db: Handle): Promise<PoolRow[]> {
  return db.selectFrom("pools").selectAll().orderBy("name").execute();
}

export async function poolExists(db: Handle, name: string): Promise<boolean> {
  const row = await db.selectFrom("pools").select("name").where("name", "=", name).executeTakeFirst();
  return row !== undefined;
}

export async function anyPoolExists(db: Handle): Promise<boolean> {
  const row = await db.selectFrom("pools").select("name").limit(1).executeTakeFirst();
  return row !== undefined;
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

export async function getPool(db: Handle, name: string): Promise<Pool | undefined> {
  const row = await db.selectFrom("pools").selectAll().where("name", "=", name).executeTakeFirst();
  return row ? toPool(row) : undefined;
}
