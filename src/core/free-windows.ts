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

/**
 * Feasible starts on one node, ascending, at most `max` of them, none after `bound`. One sweep: the
 * candidate starts ascend, so a hold that ended before one candidate has ended before every later
 * one, and the scan of each candidate begins past the holds already over (a pool booked full for 40
 * days in 4-hour windows costs a few steps per candidate, not a scan of every hold before it).
 */
function nodeStarts(
  e: NodeEntry,
  shape: Shape,
  first: Millis,
  last: Millis,
  durationMs: number,
  gridMs: number,
  max: number,
  bound: Millis,
): Millis[] {
  if (!e.node.up || e.node.gpus < shape.gpusPerNode) return [];
  if (shape.nodes > 1 && e.node.gpus !== shape.gpusPerNode) return [];
  const holds = e.holds;
  const points = [first];
  for (let i = 0; i < holds.length; i++) {
    const t = gridCeil(holds[i]!.end, gridMs);
    if (t > first && t <= last) points.push(t);
  }
  if (!ascending(points)) points.sort((a, b) => a - b);
  const out: Millis[] = [];
  let prev = Number.NaN;
  let lo = 0;
  for (let p = 0; p < points.length; p++) {
    const t = points[p]!;
    if (t === prev) continue;
    if (t > bound) break;
    prev = t;
    while (lo < holds.length && holds[lo]!.end <= t) lo++;
    const end = t + durationMs;
    let busy = 0;
    for (let i = lo; i < holds.length; i++) {
      const h = holds[i]!;
      if (h.start >= end) break;
      if (h.end > t) busy |= h.mask;
    }
    const free = e.full & ~busy;
    if (shape.nodes === 1 ? popcount(free) >= shape.gpusPerNode : free === e.full) {
      out.push(t);
      if (out.length >= max) break;
    }
  }
  return out;
}

function ascending(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[i - 1]!) return false;
  return true;
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
  // One window asked, one node enough: a node's starts later than the earliest found cannot win.
  let bound = Number.POSITIVE_INFINITY;
  for (const e of nodes) {
    for (const t of nodeStarts(e, shape, first, last, q.durationMs, rules.gridMs, perNode, bound)) {
      candidates.add(t);
      if (q.limit === 1 && shape.nodes === 1 && t < bound) bound = t;
    }
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
