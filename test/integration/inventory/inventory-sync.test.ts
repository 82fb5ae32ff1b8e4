// The cluster's inventory written into the database (the Kubernetes path of main.ts): pools and
// nodes upserted together, nodes the cluster no longer lists marked down rather than deleted, the
// booking cache refreshed at once, the loop told; a sync that cannot apply changes nothing.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/adapters/db/repos/inventory.ts";
import { DEFAULT_BOOKING_RULES } from "../../../src/core/index.ts";
import type { Inventory, Pool } from "../../../src/core/types.ts";
import { createBookingState } from "../../../src/services/booking/booking-state.ts";
import type { ServiceContext } from "../../../src/services/context.ts";
import { cachedInventory } from "../../../src/services/inventory/inventory-cache.ts";
import { syncInventory } from "../../../src/services/inventory/inventory-sync.ts";
import { BACKENDS, createTestDatabase, type TestDatabase } from "../../support/database.ts";

const v100: Pool = {
  name: "v100",
  product: "Tesla-V100-SXM2-32GB",
  computeCapability: "7.0",
  gpusPerNode: 8,
  gpuMemoryMiB: 32768,
  cpuMilliPerGpu: 8000,
  memoryMiBPerGpu: 65536,
};
const t4: Pool = { name: "t4", product: "Tesla-T4", computeCapability: "7.5", gpusPerNode: 4 };

function inventory(
  pools: Pool[],
  nodes: [name: string, pool: string, gpus: number, up?: boolean][],
): Inventory {
  return { pools, nodes: nodes.map(([name, pool, gpus, up]) => ({ name, pool, gpus, up: up ?? true })) };
}

describe.each(BACKENDS)("syncing the discovered inventory on %s", (backend) => {
  let db: TestDatabase;
  let ctx: ServiceContext;
  let changes = 0;
  beforeAll(async () => {
    db = await createTestDatabase(backend);
    ctx = {
      db: db.handle.db,
      dbKind: db.handle.kind,
      booking: createBookingState(),
      clock: { now: () => Date.now() },
      rules: DEFAULT_BOOKING_RULES,
      logger: pino({ level: "silent" }),
      changed: () => {
        changes++;
      },
    };
  });
  afterAll(async () => db.drop());

  it("writes the pools and nodes as discovered, and is seen by bookings at once", async () => {
    await cachedInventory(ctx); // an empty inventory cached before the sync
    const before = changes;
    const result = await syncInventory(
      ctx,
      inventory(
        [t4, v100],
        [
          ["t4-0", "t4", 4],
          ["v100-0", "v100", 8],
          ["v100-1", "v100", 8, false],
        ],
      ),
    );
    expect(result).toEqual({ pools: ["t4", "v100"], nodes: 3, vanished: [] });
    expect(changes).toBe(before + 1);
    const stored = await loadInventory(ctx.db);
    expect(stored.pools).toEqual([t4, v100]);
    expect(stored.nodes.map((n) => [n.name, n.up])).toEqual([
      ["t4-0", true],
      ["v100-0", true],
      ["v100-1", false],
    ]);
    expect(await cachedInventory(ctx)).toEqual(stored);
  });

  it("marks a node the cluster no longer lists down, keeps it, and brings back one that returns", async () => {
    const gone = await syncInventory(
      ctx,
      inventory(
        [t4, v100],
        [
          ["t4-0", "t4", 4],
          ["v100-1", "v100", 8],
        ],
      ),
    );
    expect(gone.vanished).toEqual(["v100-0"]);
    let nodes = (await loadInventory(ctx.db)).nodes;
    expect(nodes.map((n) => [n.name, n.up])).toEqual([
      ["t4-0", true],
      ["v100-0", false],
      ["v100-1", true],
    ]);
    // Already down: not reported as vanished again.
    expect((await syncInventory(ctx, inventory([t4, v100], [["t4-0", "t4", 4]]))).vanished).toEqual([
      "v100-1",
    ]);
    await syncInventory(ctx, inventory([t4, v100], [["v100-0", "v100", 8]]));
    nodes = (await loadInventory(ctx.db)).nodes;
    expect(nodes.find((n) => n.name === "v100-0")?.up).toBe(true);
  });

  it("changes nothing when part of the inventory cannot be written", async () => {
    const before = await loadInventory(ctx.db);
    // A node of a pool that is neither discovered nor stored breaks the nodes' reference to pools.
    await expect(
      syncInventory(
        ctx,
        inventory(
          [{ ...t4, gpusPerNode: 2 }],
          [
            ["t4-9", "t4", 2],
            ["a100-0", "a100", 8],
          ],
        ),
      ),
    ).rejects.toThrow();
    expect(await loadInventory(ctx.db)).toEqual(before);
  });
});
