// Inventory discovery: the GPU nodes of the cluster, as the core books them. A node counts when it
// has `nvidia.com/gpu` allocatable and GPU feature discovery's product label; its pool is the group
// of nodes with the same product (named by the `berth.dev/pool` label when the nodes carry one).
// A node is `up` while it is Ready and not cordoned: otherwise its reservations are re-placed. A
// node that stops being Ready counts as lost only after `notReadyMs` (BERTH_NODE_NOT_READY_SECONDS):
// a kubelet that misses a heartbeat must not move every reservation on it; cordoning is an
// operator's decision and counts at once.
import type { CoreV1Api, V1Node } from "@kubernetes/client-node";
import type { GpuNode, Inventory, Millis, Pool } from "../../core/types.ts";
import { translateKubeError } from "./kube-errors.ts";
import {
  GFD_COMPUTE_MAJOR,
  GFD_COMPUTE_MINOR,
  GFD_MEMORY,
  GFD_PRODUCT,
  GPU_RESOURCE,
  LABEL_POOL,
} from "./labels.ts";
import { cpuMillis, memoryMiB } from "./quantity.ts";

/** How long a node may be not Ready before it is lost, and the time to judge at. */
export interface NotReadyDebounce {
  readonly now: Millis;
  readonly notReadyMs: Millis;
}

/** When a node that is not Ready became so; undefined when it is Ready (or says nothing). */
function notReadySince(node: V1Node): Millis | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  if (ready?.status === "True") return undefined;
  const t = ready?.lastTransitionTime;
  return t ? new Date(t).getTime() : Number.NEGATIVE_INFINITY;
}

export function isNodeUp(node: V1Node, debounce?: NotReadyDebounce): boolean {
  if (node.spec?.unschedulable) return false;
  const since = notReadySince(node);
  if (since === undefined) return true;
  return debounce !== undefined && debounce.now < since + debounce.notReadyMs;
}

/** When the first node that is not Ready yet counted up turns lost; undefined when none will. */
export function nextNodeLossAt(nodes: Iterable<V1Node>, debounce: NotReadyDebounce): Millis | undefined {
  let next: Millis | undefined;
  for (const n of nodes) {
    const since = notReadySince(n);
    if (since === undefined || n.spec?.unschedulable) continue;
    const at = since + debounce.notReadyMs;
    if (at > debounce.now && (next === undefined || at < next)) next = at;
  }
  return next;
}

interface GpuNodeFacts {
  readonly name: string;
  readonly product: string;
  readonly poolLabel?: string;
  readonly gpus: number;
  readonly computeCapability: string;
  readonly gpuMemoryMiB?: number;
  readonly cpuMilli?: number;
  readonly memoryMiB?: number;
  readonly up: boolean;
}

function facts(node: V1Node, debounce?: NotReadyDebounce): GpuNodeFacts | undefined {
  const labels = node.metadata?.labels ?? {};
  const name = node.metadata?.name;
  const product = labels[GFD_PRODUCT];
  const gpus = Number(node.status?.allocatable?.[GPU_RESOURCE] ?? 0);
  if (!name || !product || !Number.isInteger(gpus) || gpus <= 0) return undefined;
  const memory = Number(labels[GFD_MEMORY]);
  const alloc = node.status?.allocatable ?? {};
  const cpu = alloc.cpu !== undefined ? cpuMillis(alloc.cpu) : undefined;
  const mem = alloc.memory !== undefined ? memoryMiB(alloc.memory) : undefined;
  return {
    name,
    product,
    ...(labels[LABEL_POOL] ? { poolLabel: labels[LABEL_POOL] } : {}),
    gpus,
    computeCapability: `${labels[GFD_COMPUTE_MAJOR] ?? "0"}.${labels[GFD_COMPUTE_MINOR] ?? "0"}`,
    ...(Number.isFinite(memory) && memory > 0 ? { gpuMemoryMiB: memory } : {}),
    ...(cpu !== undefined ? { cpuMilli: cpu } : {}),
    ...(mem !== undefined ? { memoryMiB: mem } : {}),
    up: isNodeUp(node, debounce),
  };
}

/** The value that occurs most often; among equally common ones, the largest. */
function commonest(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0] ?? 0;
  for (const [v, n] of counts) {
    const bestN = counts.get(best) ?? 0;
    if (n > bestN || (n === bestN && v > best)) best = v;
  }
  return best;
}

/**
 * Pure: nodes in, pools and GPU nodes out, both sorted by name. Nodes without GPUs are left out.
 * Without `debounce` a node not Ready is lost at once.
 */
export function inventoryFromNodes(nodes: readonly V1Node[], debounce?: NotReadyDebounce): Inventory {
  const byProduct = new Map<string, GpuNodeFacts[]>();
  for (const n of nodes) {
    const f = facts(n, debounce);
    if (!f) continue;
    byProduct.set(f.product, [...(byProduct.get(f.product) ?? []), f]);
  }
  const pools: Pool[] = [];
  const gpuNodes: GpuNode[] = [];
  for (const [product, members] of byProduct) {
    const labelled = new Set(members.map((m) => m.poolLabel));
    const only = labelled.size === 1 ? [...labelled][0] : undefined;
    const name = only ?? product;
    const first = members[0]!;
    // A pool books whole nodes of one shape: the most common node's GPUs (ties: the larger), so one
    // node whose allocatable GPUs drop (a GPU failed) loses only its own upper ordinals (the core's
    // node loss) instead of shrinking every booking's shape. CPU and memory per GPU: the smallest.
    const gpusPerNode = commonest(members.map((m) => m.gpus));
    const cpuPerGpu = Math.min(...members.map((m) => (m.cpuMilli ?? 0) / m.gpus));
    const memPerGpu = Math.min(...members.map((m) => (m.memoryMiB ?? 0) / m.gpus));
    pools.push({
      name,
      product,
      computeCapability: first.computeCapability,
      gpusPerNode,
      ...(first.gpuMemoryMiB !== undefined ? { gpuMemoryMiB: first.gpuMemoryMiB } : {}),
      ...(cpuPerGpu > 0 ? { cpuMilliPerGpu: Math.floor(cpuPerGpu) } : {}),
      ...(memPerGpu > 0 ? { memoryMiBPerGpu: Math.floor(memPerGpu) } : {}),
    });
    for (const m of members) gpuNodes.push({ name: m.name, pool: name, gpus: m.gpus, up: m.up });
  }
  pools.sort((a, b) => a.name.localeCompare(b.name));
  gpuNodes.sort((a, b) => a.name.localeCompare(b.name));
  return { pools, nodes: gpuNodes };
}

export async function discoverInventory(core: CoreV1Api, debounce?: NotReadyDebounce): Promise<Inventory> {
  try {
    const list = await core.listNode({ labelSelector: GFD_PRODUCT });
    return inventoryFromNodes(list.items, debounce);
  } catch (err) {
    throw translateKubeError(err, "listing GPU nodes");
  }
}
