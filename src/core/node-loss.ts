// Node loss: active and future reservations with slots on a lost node (down, or whose allocatable
// GPUs dropped below the ordinals they hold) are re-placed if possible
// (keeping their healthy nodes, so their running jobs there are not disturbed), else displaced with
// the reason. Strongest first, then earliest, then id, so the outcome is deterministic.
import { CapacityIndex, holdsSlots } from "./capacity.ts";
import { ordinalsOf } from "./gpu-mask.ts";
import { compareId } from "./natural-order.ts";
import { placeShape } from "./placement.ts";
import type { Decision } from "./snapshot.ts";
import {
  type GpuNode,
  type Inventory,
  type Millis,
  type NodeSlots,
  priorityRank,
  type Reservation,
} from "./types.ts";

export interface NodeLossOutcome {
  /** The reservations after the moves (displaced ones with state `displaced`). */
  readonly reservations: Reservation[];
  readonly decisions: Decision[];
}

export function replaceOnLostNodes(
  inventory: Inventory,
  reservations: readonly Reservation[],
  now: Millis,
): NodeLossOutcome {
  const nodes = new Map(inventory.nodes.map((n) => [n.name, n]));
  const lost = (p: NodeSlots) => lostSlots(nodes.get(p.node), p.gpus);
  const hit = reservations
    .filter((r) => holdsSlots(r) && r.end > now && r.placement.some(lost))
    .sort(
      (a, b) =>
        priorityRank(b.priority) - priorityRank(a.priority) || a.start - b.start || compareId(a.id, b.id),
    );
  if (hit.length === 0) return { reservations: [...reservations], decisions: [] };
  const current = new Map(reservations.map((r) => [r.id, r]));
  const decisions: Decision[] = [];
  for (const r of hit) {
    const others = [...current.values()].filter((o) => o.id !== r.id);
    const index = new CapacityIndex(inventory, others);
    const window = { start: Math.max(r.start, now), end: r.end };
    let placement: NodeSlots[] | null = null;
    if (r.nodes === 1) {
      const p = placeShape(index, r.pool, r, window);
      placement = p ? [...p] : null;
    } else {
      const kept = r.placement.filter((p) => !lost(p));
      const keptNames = new Set(kept.map((p) => p.node));
      const extra: NodeSlots[] = [];
      for (const e of index.poolNodes.get(r.pool) ?? []) {
        if (extra.length + kept.length === r.nodes) break;
        if (keptNames.has(e.node.name) || e.node.gpus !== r.gpusPerNode) continue;
        if (index.freeMask(e, window) === e.full) extra.push({ node: e.node.name, gpus: ordinalsOf(e.full) });
      }
      if (kept.length + extra.length === r.nodes) placement = [...kept, ...extra];
    }
    if (placement) {
      current.set(r.id, { ...r, placement });
      decisions.push({ kind: "replace", reservation: r.id, placement, reason: "node-lost" });
    } else {
      current.set(r.id, { ...r, state: "displaced" });
      decisions.push({ kind: "displace", reservation: r.id, reason: "node-lost" });
    }
  }
  return { reservations: [...current.values()], decisions };
}

/**
 * Whether slots of a node can no longer be held: the node is down, or it now has fewer GPUs than
 * the ordinals name (its allocatable count dropped: the ordinals above it are gone). A node the
 * inventory does not name is left to the inventory sync.
 */
export function lostSlots(node: GpuNode | undefined, ordinals: readonly number[]): boolean {
  if (!node) return false;
  if (!node.up) return true;
  for (const g of ordinals) if (g >= node.gpus) return true;
  return false;
}
