// Small fixture builders for core tests: a cluster, reservations and requests with defaults, so each
// table row states only what it is about.
import type { BookingRequest } from "../../../src/core/booking.ts";
import type { JobView, Snapshot } from "../../../src/core/snapshot.ts";
import type { GpuNode, Inventory, Pool, Reservation } from "../../../src/core/types.ts";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** Tuesday 2026-12-01 12:00 UTC. */
export const NOW = Date.parse("2026-12-01T12:00:00.000Z");
export const at = (iso: string) => Date.parse(iso);

export function pool(name: string, gpusPerNode: number, computeCapability: string): Pool {
  return { name, product: `${name}-product`, computeCapability, gpusPerNode };
}

export function cluster(spec: { pool: Pool; nodes: number; down?: number[] }[]): Inventory {
  const nodes: GpuNode[] = [];
  for (const s of spec) {
    for (let i = 0; i < s.nodes; i++) {
      nodes.push({
        name: `${s.pool.name}-${i}`,
        pool: s.pool.name,
        gpus: s.pool.gpusPerNode,
        up: !s.down?.includes(i),
      });
    }
  }
  return { pools: spec.map((s) => s.pool), nodes };
}

/** v100: 2 nodes × 8 (cc 7.0); a100: 1 node × 8 (cc 8.0); p100: 1 node × 4 (cc 6.0). */
export const CLUSTER = cluster([
  { pool: pool("v100", 8, "7.0"), nodes: 2 },
  { pool: pool("a100", 8, "8.0"), nodes: 1 },
  { pool: pool("p100", 4, "6.0"), nodes: 1 },
]);

export function reservation(over: Partial<Reservation> & { id: string }): Reservation {
  return {
    team: "vision",
    pool: "v100",
    nodes: 1,
    gpusPerNode: 8,
    start: NOW + 4 * HOUR,
    end: NOW + 8 * HOUR,
    priority: "normal",
    bookedAt: NOW - DAY,
    state: "confirmed",
    placement: [{ node: "v100-0", gpus: [0, 1, 2, 3, 4, 5, 6, 7] }],
    ...over,
  };
}

export function request(over: Partial<BookingRequest> = {}): BookingRequest {
  return {
    id: "new",
    team: "speech",
    pool: "v100",
    nodes: 1,
    gpusPerNode: 4,
    start: NOW + 4 * HOUR,
    end: NOW + 8 * HOUR,
    priority: "normal",
    ...over,
  };
}

export function job(over: Partial<JobView> & { id: string }): JobView {
  return {
    team: "vision",
    pool: "v100",
    gpus: 1,
    priority: "normal",
    reservation: null,
    submittedAt: NOW - HOUR,
    graceMs: 60_000,
    attempts: 0,
    state: "queued",
    ...over,
  };
}

/** A job running on `node` ordinals `gpus` (opportunistic unless `runsOn`). */
export function running(id: string, node: string, gpus: number[], over: Partial<JobView> = {}): JobView {
  return job({ id, gpus: gpus.length, state: "running", placement: [{ node, gpus }], runsOn: null, ...over });
}

export function snapshot(
  reservations: Reservation[],
  jobs: JobView[],
  inventory: Inventory = CLUSTER,
): Snapshot {
  return { inventory, reservations, jobs };
}
