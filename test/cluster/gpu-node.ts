// Turns a pool of the test cluster into the Node objects kwok will manage. The API server keeps
// the status sent on create, so allocatable/capacity (nvidia.com/gpu, cpu, memory) are set here;
// kwok's node-initialize stage then marks them Ready and keeps those figures.
import type { V1Node, V1Taint } from "@kubernetes/client-node";
import type { GpuPool } from "./pool-config.ts";

/** The taint on GPU nodes under Berth (docs/rules.md §5). */
export const managedTaint: V1Taint = { key: "berth.dev/managed", value: "true", effect: "NoSchedule" };

export const gpuResource = "nvidia.com/gpu";

export function nodeName(pool: Pick<GpuPool, "name">, index: number): string {
  return `${pool.name}-${index}`;
}

export function gpuNode(pool: GpuPool, index: number): V1Node {
  const name = nodeName(pool, index);
  const [major, minor] = pool.computeCapability.split(".");
  const resources = {
    cpu: pool.cpu,
    memory: pool.memory,
    pods: "110",
    [gpuResource]: String(pool.gpusPerNode),
  };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
        "berth.dev/pool": pool.name,
        // The labels NVIDIA GPU feature discovery puts on real nodes.
        "nvidia.com/gpu.present": "true",
        "nvidia.com/gpu.product": pool.product,
        "nvidia.com/gpu.count": String(pool.gpusPerNode),
        "nvidia.com/gpu.memory": String(pool.gpuMemoryMiB),
        "nvidia.com/gpu.compute.major": major ?? "0",
        "nvidia.com/gpu.compute.minor": minor ?? "0",
      },
      annotations: { "kwok.x-k8s.io/node": "fake" },
    },
    spec: pool.taint ? { taints: [managedTaint] } : {},
    status: { allocatable: resources, capacity: resources },
  };
}

export function poolNodes(pools: readonly GpuPool[]): V1Node[] {
  return pools.flatMap((pool) => Array.from({ length: pool.nodes }, (_, i) => gpuNode(pool, i)));
}

/**
 * Ready, and the node lifecycle controller has lifted the node.kubernetes.io/not-ready taint it
 * puts on every new node (that lags Ready by a moment; until then only tolerating pods land).
 */
export function isUsable(node: V1Node): boolean {
  const ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  const lifecycleTaint = node.spec?.taints?.some((t) => t.key.startsWith("node.kubernetes.io/")) ?? false;
  return ready && !lifecycleTaint;
}
