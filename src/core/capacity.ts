// Capacity per node and slot over time: which GPU ordinals of a node are held by reservations in a
// window. Built once per decision from the inventory and the holding reservations; queries are
// per node so placement scans nodes, not reservations.
import { fullMask, MAX_GPUS_PER_NODE, maskOf } from "./gpu-mask.ts";
import type { Interval } from "./intervals.ts";
import { compareNaturalKeys, naturalKey } from "./natural-order.ts";
import type { GpuNode, Inventory, Millis, Pool, Reservation } from "./types.ts";

// Sorted node lists by inventory node array: an inventory is immutable data, so its order can be
// remembered (a WeakMap keeps this pure and lets unused inventories go).
const sortedCache = new WeakMap<readonly GpuNode[], GpuNode[]>();

/** Nodes in natural name order (each name is split into its chunks once, not per comparison). */
function sortByName(nodes: readonly GpuNode[]): GpuNode[] {
  const cached = sortedCache.get(nodes);
  if (cached) return cached;
  const sorted = nodes
    .map((n) => ({ n, key: naturalKey(n.name) }))
    .sort(
      (a, b) => compareNaturalKeys(a.key, b.key) || (a.n.name < b.n.name ? -1 : a.n.name > b.n.name ? 1 : 0),
    )
    .map((x) => x.n);
  sortedCache.set(nodes, sorted);
  return sorted;
}

/** Only these states hold slots (CONTRACTS §1). */
export function holdsSlots(r: Reservation): boolean {
  return r.state === "confirmed" || r.state === "active";
}

/** One reservation's ordinals on one node. */
export interface Hold {
  readonly reservation: Reservation;
  readonly start: Millis;
  readonly end: Millis;
  readonly mask: number;
}

export interface NodeEntry {
  readonly node: GpuNode;
  readonly full: number;
  /** Holds sorted by start, then id. */
  readonly holds: Hold[];
}

function compareHolds(a: Hold, b: Hold): number {
  return (
    a.start - b.start ||
    (a.reservation.id < b.reservation.id ? -1 : a.reservation.id > b.reservation.id ? 1 : 0)
  );
}

export class CapacityIndex {
  readonly pools = new Map<string, Pool>();
  /** Nodes of each pool in natural name order (the deterministic tie-break of placement). */
  readonly poolNodes = new Map<string, NodeEntry[]>();
  readonly nodes = new Map<string, NodeEntry>();

  /** `onlyPool`: index just that pool's nodes (a booking decision looks at one pool). */
  constructor(inventory: Inventory, reservations: readonly Reservation[], onlyPool?: string) {
    for (const p of inventory.pools) {
      this.pools.set(p.name, p);
      this.poolNodes.set(p.name, []);
    }
    const sortedNodes = sortByName(inventory.nodes);
    for (const n of sortedNodes) {
      if (onlyPool !== undefined && n.pool !== onlyPool) continue;
      if (n.gpus > MAX_GPUS_PER_NODE) throw new Error(`node ${n.name}: more than ${MAX_GPUS_PER_NODE} GPUs`);
      const entry: NodeEntry = { node: n, full: fullMask(n.gpus), holds: [] };
      this.nodes.set(n.name, entry);
      this.poolNodes.get(n.pool)?.push(entry);
    }
    for (let i = 0; i < reservations.length; i++) {
      const r = reservations[i]!;
      if (!holdsSlots(r)) continue;
      for (let k = 0; k < r.placement.length; k++) {
        const ns = r.placement[k]!;
        const entry = this.nodes.get(ns.node);
        if (entry) entry.holds.push({ reservation: r, start: r.start, end: r.end, mask: maskOf(ns.gpus) });
      }
    }
    // Insertion sort in place: a node holds a handful of reservations, often already in order, and
    // V8's sort copies the list (this ran for every node in every cycle).
    for (const e of this.nodes.values()) {
      const holds = e.holds;
      for (let i = 1; i < holds.length; i++) {
        const h = holds[i]!;
        let k = i;
        while (k > 0 && compareHolds(holds[k - 1]!, h) > 0) {
          holds[k] = holds[k - 1]!;
          k--;
        }
        holds[k] = h;
      }
    }
  }

  /** Ordinals of `entry` held in `window` by reservations not skipped. */
  busyMask(entry: NodeEntry, window: Interval, skip?: ReadonlySet<string>): number {
    let mask = 0;
    for (const h of entry.holds) {
      if (h.start >= window.end) break;
      if (h.end <= window.start) continue;
      if (skip?.has(h.reservation.id)) continue;
      mask |= h.mask;
    }
    return mask;
  }

  /** Free ordinals of `entry` over the whole window (0 when the node is down). */
  freeMask(entry: NodeEntry, window: Interval, skip?: ReadonlySet<string>): number {
    if (!entry.node.up) return 0;
    return entry.full & ~this.busyMask(entry, window, skip);
  }

  /** Holds of `entry` overlapping `window`. */
  holdsIn(entry: NodeEntry, window: Interval): Hold[] {
    const out: Hold[] = [];
    for (const h of entry.holds) {
      if (h.start >= window.end) break;
      if (h.end > window.start) out.push(h);
    }
    return out;
  }
}
