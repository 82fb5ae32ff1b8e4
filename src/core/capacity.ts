// Capacity per node and slot over time: which GPU ordinals of a node are held by reservations in a
// window. Built once per decision from the inventory and the holding reservations; queries are
// per node so placement scans nodes, not reservations.
import { fullMask, MAX_GPUS_PER_NODE, maskOf } from "./gpu-mask.ts";
import type { Interval } from "./intervals.ts";
import { compareNaturalKeys, naturalKey } from "./natural-order.ts";
import type { GpuNode, Inventory, Millis, Pool, Reservation } from "./types.ts";

/** An inventory's nodes in natural name order, and each name's position in that order. */
interface NodeOrder {
  readonly sorted: readonly GpuNode[];
  readonly position: ReadonlyMap<string, number>;
}

// By inventory node array: an inventory is immutable data, so its order can be remembered (a
// WeakMap keeps this pure and lets unused inventories go).
const orderCache = new WeakMap<readonly GpuNode[], NodeOrder>();

/** Nodes in natural name order (each name is split into its chunks once, not per comparison). */
function nodeOrder(nodes: readonly GpuNode[]): NodeOrder {
  const cached = orderCache.get(nodes);
  if (cached) return cached;
  // A name listed twice: the later node stands (as a Map keyed by name would keep it).
  const last = new Map<string, GpuNode>();
  for (const n of nodes) last.set(n.name, n);
  const sorted = [...last.values()]
    .map((n) => ({ n, key: naturalKey(n.name) }))
    .sort(
      (a, b) => compareNaturalKeys(a.key, b.key) || (a.n.name < b.n.name ? -1 : a.n.name > b.n.name ? 1 : 0),
    )
    .map((x) => x.n);
  const position = new Map<string, number>();
  for (let i = 0; i < sorted.length; i++) position.set(sorted[i]!.name, i);
  const order = { sorted, position };
  orderCache.set(nodes, order);
  return order;
}

/**
 * Per-node values of one index or cycle, looked up by node name through the position map of their
 * inventory, built once per inventory. A Map filled per cycle cost a string-keyed insert (and its
 * rehashes) per node per cycle: a third of a replay's time on a 1,213-node cluster.
 */
export class NodeTable<T> {
  private dense: T[] | null = null;
  private readonly position: ReadonlyMap<string, number>;
  /** By position; undefined where a node is not in the table. */
  private readonly items: (T | undefined)[];
  private readonly complete: boolean;

  constructor(position: ReadonlyMap<string, number>, items: (T | undefined)[], complete: boolean) {
    this.position = position;
    this.items = items;
    this.complete = complete;
  }

  get(name: string): T | undefined {
    const i = this.position.get(name);
    return i === undefined ? undefined : this.items[i];
  }

  /** The value of the node at `position` (NodeEntry.position): no name lookup, for the hot loops. */
  at(position: number): T | undefined {
    return this.items[position];
  }

  /** Every value, in the nodes' natural name order. */
  values(): readonly T[] {
    if (this.complete) return this.items as T[];
    this.dense ??= this.items.filter((x): x is T => x !== undefined);
    return this.dense;
  }

  /** A table of the same nodes, a value made from each (in name order). */
  map<U>(f: (value: T) => U): NodeTable<U> {
    const out = new Array<U | undefined>(this.items.length);
    for (let i = 0; i < this.items.length; i++) {
      const x = this.items[i];
      if (x !== undefined) out[i] = f(x);
    }
    return new NodeTable(this.position, out, this.complete);
  }
}

/** Only these states hold slots (docs/rules.md §1). */
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
  /** The node's place in its inventory's name order (NodeTable.at). */
  readonly position: number;
  readonly full: number;
  /** Holds sorted by start, then id. */
  holds: Hold[];
}

function compareHolds(a: Hold, b: Hold): number {
  return (
    a.start - b.start ||
    (a.reservation.id < b.reservation.id ? -1 : a.reservation.id > b.reservation.id ? 1 : 0)
  );
}

/**
 * The holds of a node nobody reserves: one frozen empty list shared until a first hold replaces it
 * (most nodes of a large cluster hold nothing, and a list per node per cycle was garbage).
 */
const NO_HOLDS: Hold[] = Object.freeze([]) as unknown as Hold[];

export class CapacityIndex {
  readonly pools = new Map<string, Pool>();
  /** Nodes of each pool in natural name order (the deterministic tie-break of placement). */
  readonly poolNodes = new Map<string, NodeEntry[]>();
  readonly nodes: NodeTable<NodeEntry>;

  /** `onlyPool`: index just that pool's nodes (a booking decision looks at one pool). */
  constructor(inventory: Inventory, reservations: readonly Reservation[], onlyPool?: string) {
    for (const p of inventory.pools) {
      this.pools.set(p.name, p);
      this.poolNodes.set(p.name, []);
    }
    const order = nodeOrder(inventory.nodes);
    const items = new Array<NodeEntry | undefined>(order.sorted.length);
    let listPool: string | null = null;
    let list: NodeEntry[] | undefined;
    for (let i = 0; i < order.sorted.length; i++) {
      const n = order.sorted[i]!;
      if (onlyPool !== undefined && n.pool !== onlyPool) continue;
      if (n.gpus > MAX_GPUS_PER_NODE) throw new Error(`node ${n.name}: more than ${MAX_GPUS_PER_NODE} GPUs`);
      const entry: NodeEntry = { node: n, full: fullMask(n.gpus), holds: NO_HOLDS, position: i };
      items[i] = entry;
      // Name order keeps a pool's nodes together: look its list up once per run of them.
      if (n.pool !== listPool) {
        listPool = n.pool;
        list = this.poolNodes.get(n.pool);
      }
      list?.push(entry);
    }
    this.nodes = new NodeTable(order.position, items, onlyPool === undefined);
    for (let i = 0; i < reservations.length; i++) {
      const r = reservations[i]!;
      if (!holdsSlots(r)) continue;
      for (let k = 0; k < r.placement.length; k++) {
        const ns = r.placement[k]!;
        const entry = this.nodes.get(ns.node);
        if (!entry) continue;
        const hold = { reservation: r, start: r.start, end: r.end, mask: maskOf(ns.gpus) };
        if (entry.holds === NO_HOLDS) entry.holds = [hold];
        else entry.holds.push(hold);
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
