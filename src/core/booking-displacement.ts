// Which future reservations a booking may displace (docs/rules.md §1): only strictly lower priority,
// only reservations that have not started, never inside the freeze. Among possible victim sets:
// fewest reservations, then lowest priority, then most recently booked, then id.
import type { CapacityIndex, NodeEntry } from "./capacity.ts";
import { popcount } from "./gpu-mask.ts";
import type { Interval } from "./intervals.ts";
import { compareId } from "./natural-order.ts";
import type { Shape } from "./placement.ts";
import { type Millis, type Priority, priorityRank, type Reservation } from "./types.ts";

export type Displaceable = (r: Reservation) => boolean;

/** The displacement predicate for a booking of `priority` at `now` with a `freezeMs` freeze. */
export function displaceableBy(
  priority: Priority,
  now: Millis,
  freezeMs: number,
  ignoreFreeze = false,
): Displaceable {
  const rank = priorityRank(priority);
  return (r) =>
    r.state === "confirmed" &&
    priorityRank(r.priority) < rank &&
    r.start > now &&
    (ignoreFreeze || r.start - freezeMs > now);
}

/** Preference between two victim sets: negative when `a` is the better one to displace. */
export function compareVictimSets(a: readonly Reservation[], b: readonly Reservation[]): number {
  if (a.length !== b.length) return a.length - b.length;
  const ra = a.map((r) => priorityRank(r.priority)).sort((x, y) => y - x);
  const rb = b.map((r) => priorityRank(r.priority)).sort((x, y) => y - x);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  const ba = a.map((r) => r.bookedAt).sort((x, y) => y - x);
  const bb = b.map((r) => r.bookedAt).sort((x, y) => y - x);
  for (let i = 0; i < ba.length; i++) if (ba[i] !== bb[i]) return bb[i]! - ba[i]!;
  const ia = a.map((r) => r.id).sort(compareId);
  const ib = b.map((r) => r.id).sort(compareId);
  for (let i = 0; i < ia.length; i++) {
    const c = compareId(ia[i]!, ib[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

// Exhaustive subset search up to this many displaceable holders on one node (2^12 subsets);
// beyond it a greedy pass in preference order (a node rarely carries that many future bookings).
const EXHAUSTIVE_LIMIT = 12;

/** The best set of displaceable reservations whose removal frees `need` GPUs on one node, or null. */
function victimsOnNode(
  index: CapacityIndex,
  entry: NodeEntry,
  window: Interval,
  need: number,
  displaceable: Displaceable,
): Reservation[] | null {
  if (!entry.node.up || entry.node.gpus < need) return null;
  const holds = index.holdsIn(entry, window);
  let fixed = 0;
  const byRes = new Map<string, { r: Reservation; mask: number }>();
  for (const h of holds) {
    if (displaceable(h.reservation)) {
      const cur = byRes.get(h.reservation.id);
      if (cur) cur.mask |= h.mask;
      else byRes.set(h.reservation.id, { r: h.reservation, mask: h.mask });
    } else fixed |= h.mask;
  }
  const freeWith = (removed: ReadonlySet<string>): number => {
    let busy = fixed;
    for (const [id, c] of byRes) if (!removed.has(id)) busy |= c.mask;
    return popcount(entry.full & ~busy);
  };
  if (popcount(entry.full & ~fixed) < need) return null;
  const cands = [...byRes.values()].sort(
    (a, b) =>
      priorityRank(a.r.priority) - priorityRank(b.r.priority) ||
      b.r.bookedAt - a.r.bookedAt ||
      compareId(a.r.id, b.r.id),
  );
  if (freeWith(new Set()) >= need) return [];
  if (cands.length <= EXHAUSTIVE_LIMIT) {
    let best: Reservation[] | null = null;
    const total = 1 << cands.length;
    for (let bits = 1; bits < total; bits++) {
      const set = cands.filter((_, i) => bits & (1 << i)).map((c) => c.r);
      if (best && set.length > best.length) continue;
      if (freeWith(new Set(set.map((r) => r.id))) < need) continue;
      if (!best || compareVictimSets(set, best) < 0) best = set;
    }
    return best;
  }
  const removed = new Set<string>();
  const chosen: Reservation[] = [];
  for (const c of cands) {
    removed.add(c.r.id);
    chosen.push(c.r);
    if (freeWith(removed) >= need) break;
  }
  // Never more than needed: drop any victim whose removal is not required.
  for (let i = chosen.length - 1; i >= 0; i--) {
    const id = chosen[i]!.id;
    removed.delete(id);
    if (freeWith(removed) >= need) chosen.splice(i, 1);
    else removed.add(id);
  }
  return chosen;
}

/**
 * The victims whose displacement lets `shape` fit in `window`, or null when no displacement does.
 * One node: the best victim set over all nodes. Whole nodes: nodes ranked by their own victim set,
 * the cheapest ones taken and their victims united (greedy across nodes, exact per node).
 */
export function findDisplacement(
  index: CapacityIndex,
  pool: string,
  shape: Shape,
  window: Interval,
  displaceable: Displaceable,
): Reservation[] | null {
  const nodes = index.poolNodes.get(pool) ?? [];
  if (shape.nodes === 1) {
    let best: Reservation[] | null = null;
    for (const e of nodes) {
      const v = victimsOnNode(index, e, window, shape.gpusPerNode, displaceable);
      if (v && (!best || compareVictimSets(v, best) < 0)) best = v;
    }
    return best;
  }
  const perNode: Reservation[][] = [];
  for (const e of nodes) {
    if (e.node.gpus !== shape.gpusPerNode) continue;
    const v = victimsOnNode(index, e, window, e.node.gpus, displaceable);
    if (v) perNode.push(v);
  }
  if (perNode.length < shape.nodes) return null;
  // Stable sort keeps node order among equal sets.
  perNode.sort(compareVictimSets);
  const union = new Map<string, Reservation>();
  for (const v of perNode.slice(0, shape.nodes)) for (const r of v) union.set(r.id, r);
  return [...union.values()].sort((a, b) => compareId(a.id, b.id));
}
