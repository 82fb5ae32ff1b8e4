// Best-fit placement of a shape in a window. A shape is GPUs on one node (nodes = 1) or whole nodes.
// Best fit: the node with the fewest free GPUs that still fits, so whole nodes stay free for big
// shapes; ties by node name (natural order). Ordinals: the lowest free ones.
import type { CapacityIndex, NodeEntry } from "./capacity.ts";
import { lowestBits, ordinalsOf, popcount } from "./gpu-mask.ts";
import type { Interval } from "./intervals.ts";
import type { Placement } from "./types.ts";

export interface Shape {
  readonly nodes: number;
  readonly gpusPerNode: number;
}

/** Placement of `shape` on `pool` in `window`, or null. Reservations in `skip` are ignored (dry displacement). */
export function placeShape(
  index: CapacityIndex,
  pool: string,
  shape: Shape,
  window: Interval,
  skip?: ReadonlySet<string>,
): Placement | null {
  const nodes = index.poolNodes.get(pool);
  if (!nodes) return null;
  if (shape.nodes === 1) {
    let best: NodeEntry | null = null;
    let bestFree = 0;
    let bestCount = Number.POSITIVE_INFINITY;
    for (const e of nodes) {
      if (e.node.gpus < shape.gpusPerNode) continue;
      const free = index.freeMask(e, window, skip);
      const count = popcount(free);
      if (count >= shape.gpusPerNode && count < bestCount) {
        best = e;
        bestFree = free;
        bestCount = count;
        if (count === shape.gpusPerNode) break; // exact fit cannot be beaten
      }
    }
    if (!best) return null;
    return [{ node: best.node.name, gpus: ordinalsOf(lowestBits(bestFree, shape.gpusPerNode)) }];
  }
  // Whole nodes: every GPU of each chosen node must be free.
  const chosen: NodeEntry[] = [];
  for (const e of nodes) {
    if (e.node.gpus !== shape.gpusPerNode) continue;
    if (index.freeMask(e, window, skip) === e.full) {
      chosen.push(e);
      if (chosen.length === shape.nodes) break;
    }
  }
  if (chosen.length < shape.nodes) return null;
  return chosen.map((e) => ({ node: e.node.name, gpus: ordinalsOf(e.full) }));
}

/** The largest number of free GPUs on one node of `pool` in `window`. */
export function maxFreeOnOneNode(index: CapacityIndex, pool: string, window: Interval): number {
  let best = 0;
  for (const e of index.poolNodes.get(pool) ?? []) best = Math.max(best, popcount(index.freeMask(e, window)));
  return best;
}

/** How many whole nodes of `pool` are free in `window`. */
export function freeWholeNodes(index: CapacityIndex, pool: string, window: Interval): number {
  let n = 0;
  for (const e of index.poolNodes.get(pool) ?? []) if (e.node.up && index.freeMask(e, window) === e.full) n++;
  return n;
}
