// The test cluster's pool config → kwok GPU nodes: names, GPU feature discovery labels,
// allocatable resources and the per-pool managed taint.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gpuNode, isUsable, managedTaint, poolNodes } from "../../cluster/gpu-node.ts";
import { type GpuPool, loadPools } from "../../cluster/pool-config.ts";

const t4: GpuPool = {
  name: "t4",
  nodes: 2,
  gpusPerNode: 4,
  product: "Tesla-T4",
  gpuMemoryMiB: 15360,
  computeCapability: "7.5",
  cpu: "32",
  memory: "192Gi",
  taint: true,
};

async function poolFile(content: unknown): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "berth-pools-")), "pools.json");
  await writeFile(path, JSON.stringify(content));
  return path;
}

describe("test cluster pools", () => {
  it("default to 4 × 8 V100 (7.0), 2 × 4 T4 (7.5) and 1 × 4 P100 (6.0), all managed", async () => {
    const pools = await loadPools();
    expect(pools.map((p) => [p.name, p.nodes, p.gpusPerNode, p.computeCapability, p.taint])).toEqual([
      ["v100", 4, 8, "7.0", true],
      ["t4", 2, 4, "7.5", true],
      ["p100", 1, 4, "6.0", true],
    ]);
    expect(poolNodes(pools).map((n) => n.metadata?.name)).toEqual([
      "v100-0",
      "v100-1",
      "v100-2",
      "v100-3",
      "t4-0",
      "t4-1",
      "p100-0",
    ]);
  });

  it("give each node the GPU feature discovery labels and allocatable GPUs, CPU and memory", () => {
    const node = gpuNode(t4, 1);
    expect(node.metadata?.name).toBe("t4-1");
    expect(node.metadata?.labels).toMatchObject({
      "kubernetes.io/hostname": "t4-1",
      "nvidia.com/gpu.product": "Tesla-T4",
      "nvidia.com/gpu.count": "4",
      "nvidia.com/gpu.memory": "15360",
      "nvidia.com/gpu.compute.major": "7",
      "nvidia.com/gpu.compute.minor": "5",
    });
    expect(node.status?.allocatable).toMatchObject({ "nvidia.com/gpu": "4", cpu: "32", memory: "192Gi" });
  });

  it.each([
    { taint: true, taints: [managedTaint] },
    { taint: false, taints: undefined },
  ])("taint a pool's nodes only when its config says taint: $taint", ({ taint, taints }) => {
    expect(gpuNode({ ...t4, taint }, 0).spec?.taints).toEqual(taints);
  });

  it("treat a pool without a taint field as managed", async () => {
    const { taint: _, ...unset } = t4;
    const [pool] = await loadPools(await poolFile({ pools: [unset] }));
    expect(pool?.taint).toBe(true);
  });

  it.each([
    [{ pools: [{ ...t4, computeCapability: "seven" }] }, "pools.0.computeCapability"],
    [{ pools: [{ ...t4, nodes: 0 }] }, "pools.0.nodes"],
    [{ pools: [{ ...t4, name: "T4 pool" }] }, "pools.0.name"],
    [{ pools: [t4, t4] }, 'the name "t4" is used twice'],
    [{ pools: [] }, "pools"],
  ])("reject a malformed pool file, naming the field (%#)", async (content, field) => {
    await expect(loadPools(await poolFile(content))).rejects.toThrow(field);
  });
});

describe("a simulated node is usable", () => {
  const ready = { type: "Ready", status: "True" };
  it.each([
    { conditions: [ready], taints: [], usable: true },
    { conditions: [ready], taints: [managedTaint], usable: true },
    { conditions: [{ type: "Ready", status: "False" }], taints: [], usable: false },
    {
      conditions: [ready],
      taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }],
      usable: false,
    },
  ])("when Ready and free of lifecycle taints (%#)", ({ conditions, taints, usable }) => {
    const node = { ...gpuNode(t4, 0), spec: { taints }, status: { conditions } };
    expect(isUsable(node)).toBe(usable);
  });
});
