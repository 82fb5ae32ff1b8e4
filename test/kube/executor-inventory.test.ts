// Inventory discovery against the test cluster's kwok GPU nodes (test/cluster/pools.json): what
// the core books against must be what the nodes' GPU feature discovery labels and allocatable say.
import { CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { discoverInventory } from "../../src/adapters/kube/inventory.ts";
import { watchInventory } from "../../src/adapters/kube/inventory-watch.ts";
import { adminConfig } from "./support/namespace.ts";

const core = adminConfig().makeApiClient(CoreV1Api);
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("inventory discovery", () => {
  it("finds the default pools grouped by GPU product, with their shape and compute capability", async () => {
    const inventory = await discoverInventory(core);
    expect(
      inventory.pools.map((p) => ({
        name: p.name,
        product: p.product,
        cc: p.computeCapability,
        gpusPerNode: p.gpusPerNode,
        memory: p.gpuMemoryMiB,
        nodes: inventory.nodes.filter((n) => n.pool === p.name).length,
      })),
    ).toEqual([
      { name: "p100", product: "Tesla-P100-PCIE-16GB", cc: "6.0", gpusPerNode: 4, memory: 16384, nodes: 1 },
      { name: "t4", product: "Tesla-T4", cc: "7.5", gpusPerNode: 4, memory: 15360, nodes: 2 },
      { name: "v100", product: "Tesla-V100-SXM2-32GB", cc: "7.0", gpusPerNode: 8, memory: 32768, nodes: 4 },
    ]);
    // CPU and memory per GPU come from allocatable: a V100 node has 64 CPUs and 512 GiB for 8 GPUs.
    const v100 = inventory.pools.find((p) => p.name === "v100");
    expect(v100?.cpuMilliPerGpu).toBe(8000);
    expect(v100?.memoryMiBPerGpu).toBe(65536);
    expect(inventory.nodes.map((n) => n.name)).toEqual([
      "p100-0",
      "t4-0",
      "t4-1",
      "v100-0",
      "v100-1",
      "v100-2",
      "v100-3",
    ]);
    expect(inventory.nodes.every((n) => n.up)).toBe(true);
  });

  it("reports a cordoned node as down and an uncordoned one as up again", async () => {
    const name = "t4-1";
    await core.patchNode({ name, body: { spec: { unschedulable: true } } }, mergePatch);
    try {
      const cordoned = await discoverInventory(core);
      expect(cordoned.nodes.find((n) => n.name === name)?.up).toBe(false);
      expect(cordoned.nodes.filter((n) => n.name !== name).every((n) => n.up)).toBe(true);
    } finally {
      await core.patchNode({ name, body: { spec: { unschedulable: null } } }, mergePatch);
    }
    const uncordoned = await discoverInventory(core);
    expect(uncordoned.nodes.find((n) => n.name === name)?.up).toBe(true);
  });

  it("yields a new inventory from the node watch when a node is cordoned and again when it is back", async () => {
    const name = "p100-0";
    const aborter = new AbortController();
    const seen: boolean[] = [];
    try {
      for await (const inventory of watchInventory({ kubeconfig: adminConfig(), signal: aborter.signal })) {
        const up = inventory.nodes.find((n) => n.name === name)?.up;
        expect(inventory.nodes).toHaveLength(7);
        seen.push(up === true);
        if (seen.length === 1)
          await core.patchNode({ name, body: { spec: { unschedulable: true } } }, mergePatch);
        else if (seen.length === 2)
          await core.patchNode({ name, body: { spec: { unschedulable: null } } }, mergePatch);
        else aborter.abort();
      }
    } finally {
      await core.patchNode({ name, body: { spec: { unschedulable: null } } }, mergePatch);
    }
    expect(seen).toEqual([true, false, true]);
  });
});
