// What one cycle's snapshot says about each pool right now, for the operator's gauges: GPUs held by
// active reservations, GPUs running jobs, GPUs lent (opportunistic work on a reservation's idle
// slots), reserved GPUs nobody uses; and the opportunistic queue's depth per priority.
import type { Snapshot } from "./snapshot.ts";
import { type Millis, PRIORITIES, type Priority } from "./types.ts";

export interface PoolUsage {
  readonly booked: number;
  readonly running: number;
  readonly lent: number;
  readonly idleReserved: number;
}

export interface Usage {
  readonly pools: Readonly<Record<string, PoolUsage>>;
  readonly queued: Readonly<Record<Priority, number>>;
}

export function poolUsage(snapshot: Snapshot, now: Millis): Usage {
  const pools: Record<string, { booked: number; running: number; lent: number; idleReserved: number }> = {};
  for (const p of snapshot.inventory.pools)
    pools[p.name] = { booked: 0, running: 0, lent: 0, idleReserved: 0 };
  // slot key "node#gpu" -> the active reservation holding it
  const heldBy = new Map<string, string>();
  for (const r of snapshot.reservations) {
    if (r.start > now || r.end <= now || (r.state !== "confirmed" && r.state !== "active")) continue;
    const u = pools[r.pool];
    if (!u) continue;
    for (const part of r.placement) {
      for (const g of part.gpus) heldBy.set(`${part.node}#${g}`, r.id);
      u.booked += part.gpus.length;
    }
  }
  const used = new Set<string>();
  const queued = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  for (const j of snapshot.jobs) {
    if (j.state === "queued") {
      queued[j.priority] += 1;
      continue;
    }
    const u = pools[j.pool];
    if (!u || !j.placement) continue;
    for (const part of j.placement) {
      for (const g of part.gpus) {
        const slot = `${part.node}#${g}`;
        used.add(slot);
        u.running += 1;
        const holder = heldBy.get(slot);
        if (holder !== undefined && holder !== j.runsOn) u.lent += 1;
      }
    }
  }
  for (const r of snapshot.reservations) {
    const u = pools[r.pool];
    if (!u || r.start > now || r.end <= now || (r.state !== "confirmed" && r.state !== "active")) continue;
    for (const part of r.placement)
      for (const g of part.gpus) if (!used.has(`${part.node}#${g}`)) u.idleReserved += 1;
  }
  return { pools, queued };
}
