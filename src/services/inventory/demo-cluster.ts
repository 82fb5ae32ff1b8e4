// The simulated demo cluster of `npm start` (until the Kubernetes executor lands): pools V100, T4
// and P100, created only when no pool is configured, so real configuration is never overwritten.

import { anyPoolExists } from "../../adapters/db/repos/pools.ts";
import type { ServiceContext } from "../context.ts";
import { putPool } from "./pools.ts";

export const DEMO_POOLS = [
  {
    name: "V100",
    product: "Tesla-V100-SXM2-32GB",
    computeCapability: "7.0",
    gpusPerNode: 8,
    nodes: 4,
    gpuMemoryMiB: 32768,
  },
  {
    name: "T4",
    product: "Tesla-T4",
    computeCapability: "7.5",
    gpusPerNode: 4,
    nodes: 4,
    gpuMemoryMiB: 15360,
  },
  {
    name: "P100",
    product: "Tesla-P100-PCIE-16GB",
    computeCapability: "6.0",
    gpusPerNode: 4,
    nodes: 2,
    gpuMemoryMiB: 16384,
  },
] as const;

export async function seedDemoCluster(ctx: ServiceContext): Promise<string[]> {
  if (await anyPoolExists(ctx.db)) return [];
  const system = { tokenId: "system", name: "berth", role: "admin" as const, team: null };
  for (const p of DEMO_POOLS) await putPool(ctx, system, { ...p });
  return DEMO_POOLS.map((p) => p.name);
}
