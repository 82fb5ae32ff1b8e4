// Next-free-slot search (GET /availability, and the "earliest later window" suggestion of a refused
// booking). Freedom on a node only grows when a hold ends, so the earliest feasible start on a node
// is the search's first start or the grid-rounded end of one of its holds. Each node is scanned on
// its own (a handful of holds each), then the candidates of all nodes are merged: cost grows with
// the holds of the pool, not with holds × nodes.
import { type BookingRules, gridCeil, gridFloor } from "./booking-rules.ts";
import { CapacityIndex, type NodeEntry } from "./capacity.ts";
import { popcount } from "./gpu-mask.ts";
import { placeShape, type Shape } from "./placement.ts";
import type { Inventory, Millis, Placement, Reservation } from "./types.ts";

export interface FreeWindowQuery {
  readonly inventory: Inventory;
  readonly reservations: readonly Reservation[];
  readonly pool: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly durationMs: number;
  /** Earliest start wanted; at or before now means "from now" (the current grid step). */
  readonly after: Millis;
  readonly limit: number;
  readonly rules: BookingRules;
  readonly now: Millis;
  /** A prebuilt index of the same inventory and reservations (saves rebuilding it per call). */
  readonly index?: CapacityIndex;
}

export interface FreeWindow {
  readonly start: Millis;
  readonly end: Millis;
  readonly placement: Placement;
}

function nodeFits(index: CapacityIndex, e: NodeEntry, shape: Shape, start: Millis, end: Millis): boolean {
  const free = index.freeMask(e, { start, end });
  return shape.nodes === 1 ? popcount(free) >= shape.gpusPerNode : free === e.full;
}

/** Feasible starts on one node, ascending, at most `max` of them. */
function nodeStarts(
  index: CapacityIndex,
  e: NodeEntry,
  shape: Shape,
  first: Millis,
  last: Millis,
  durationMs: number,
  gridMs: number,
  max: number,
): Millis[] {
  if (!e.node.up || e.node.gpus < shape.gpusPerNode) return [];
  if (shape.nodes > 1 && e.node.gpus !== shape.gpusPerNode) return [];
  const points = [first];
  for (const h of e.holds) {
    const t = gridCeil(h.end, gridMs);
    if (t > first && t <= last) points.push(t);
  }
  points.sort((a, b) => a - b);
  const out: Millis[] = [];
  let prev = Number.NaN;
  for (const t of points) {
    if (t === prev) continue;
    prev = t;
    if (nodeFits(index, e, shape, t, t + durationMs)) {
      out.push(t);
      if (out.length >= max) break;
    }
  }
  return out;
}

/**
 * Up to `limit` windows of `durationMs` for the shape, earliest first, with distinct starts on the
 * grid, each with the placement a booking made now would get. Starts stay within the horizon.
 */
export function findFreeWindows(q: FreeWindowQuery): FreeWindow[] {
  const { rules } = q;
  if (q.limit <= 0 || q.durationMs <= 0) return [];
  const index = q.index ?? new CapacityIndex(q.inventory, q.reservations);
  const nodes = index.poolNodes.get(q.pool);
  if (!nodes) return [];
  const shape: Shape = { nodes: q.nodes, gpusPerNode: q.gpusPerNode };
  const first = q.after <= q.now ? gridFloor(q.now, rules.gridMs) : gridCeil(q.after, rules.gridMs);
  const last = q.now + rules.horizonMs;
  if (first > last) return [];
  // Single-node shapes: the k earliest starts of each node cover the k earliest of the pool.
  // Whole nodes need several nodes at once, so every feasible point of every node is a candidate.
  const perNode = shape.nodes === 1 ? q.limit : Number.POSITIVE_INFINITY;
  const candidates = new Set<Millis>();
  for (const e of nodes) {
    for (const t of nodeStarts(index, e, shape, first, last, q.durationMs, rules.gridMs, perNode))
      candidates.add(t);
  }
  const out: FreeWindow[] = [];
  for (const start of [...candidates].sort((a, b) => a - b)) {
    const end = start + q.durationMs;
    const placement = placeShape(index, q.pool, shape, { start, end });
    if (placement) {
      out.push({ start, end, placement });
      if (out.length >= q.limit) break;
    }
  }
  return out;
}
