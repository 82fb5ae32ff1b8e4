// Row -> domain mappers, one place. `active` and `completed` of a stored `confirmed` row are derived
// from the clock (docs/rules.md §4: active exactly when start <= now < end), so they never go stale.
import type {
  GpuNode,
  Millis,
  Placement,
  Pool,
  Priority,
  Reservation,
  ReservationState,
} from "../../core/types.ts";
import type { NodeRow, PlacementJson, PoolRow, ReservationRow } from "./tables.ts";

export function reservationState(row: Pick<ReservationRow, "state" | "start_at" | "end_at">, now: Millis) {
  if (row.state !== "confirmed") return row.state;
  if (now >= row.end_at.getTime()) return "completed";
  if (now >= row.start_at.getTime()) return "active";
  return "confirmed";
}

export function toReservation(row: ReservationRow, now: Millis): Reservation {
  return {
    id: row.id,
    team: row.team,
    pool: row.pool,
    nodes: row.nodes,
    gpusPerNode: row.gpus_per_node,
    start: row.start_at.getTime(),
    end: row.end_at.getTime(),
    priority: row.priority as Priority,
    bookedAt: row.booked_at.getTime(),
    state: reservationState(row, now) as ReservationState,
    placement: row.placement as Placement,
  };
}

export function toPool(row: PoolRow): Pool {
  return {
    name: row.name,
    product: row.product,
    computeCapability: row.compute_capability,
    gpusPerNode: row.gpus_per_node,
    ...(row.gpu_memory_mib !== null ? { gpuMemoryMiB: row.gpu_memory_mib } : {}),
    ...(row.cpu_milli_per_gpu !== null ? { cpuMilliPerGpu: row.cpu_milli_per_gpu } : {}),
    ...(row.memory_mib_per_gpu !== null ? { memoryMiBPerGpu: row.memory_mib_per_gpu } : {}),
  };
}

export function toNode(row: NodeRow): GpuNode {
  return { name: row.name, pool: row.pool, gpus: row.gpus, up: row.up };
}

/** A half-open tstzrange literal for a window. */
export function tstzrange(start: Millis, end: Millis): string {
  return `[${new Date(start).toISOString()},${new Date(end).toISOString()})`;
}

/**
 * The int4multirange literal of a set of GPU ordinals, as a slot row stores it: runs of
 * consecutive ordinals become one range, so [0,1,2,5] is `{[0,3),[5,6)}`.
 */
export function gpuSet(ordinals: readonly number[]): string {
  const sorted = [...new Set(ordinals)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(`[${sorted[i]},${sorted[j]! + 1})`);
    i = j + 1;
  }
  return `{${runs.join(",")}}`;
}

export interface NewReservationRecord {
  readonly reservation: Reservation;
  readonly title: string;
  readonly kind: "booking" | "maintenance";
  readonly bookedBy: string;
  readonly recurrenceId: string | null;
}

/** The row a new reservation is stored as (the database adds `seq`; `started_at` comes later). */
export function newReservationRow(rec: NewReservationRecord): Omit<ReservationRow, "seq" | "started_at"> {
  const r = rec.reservation;
  return {
    id: r.id,
    team: r.team,
    pool: r.pool,
    nodes: r.nodes,
    gpus_per_node: r.gpusPerNode,
    start_at: new Date(r.start),
    end_at: new Date(r.end),
    priority: r.priority,
    state: "confirmed",
    kind: rec.kind,
    title: rec.title,
    placement: r.placement as PlacementJson[],
    booked_at: new Date(r.bookedAt),
    booked_by: rec.bookedBy,
    recurrence_id: rec.recurrenceId,
    displaced_by: null,
    reason: null,
    alternative: null,
    ended_at: null,
  };
}
