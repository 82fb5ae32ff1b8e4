// Domain types shared by the pure core and everything around it.
// Times are epoch milliseconds (UTC) inside the core; adapters convert to and from ISO 8601.
// Durations inside the core are milliseconds too; the contracts' seconds are converted at the edges.

export const PRIORITIES = ["critical", "high", "normal", "low", "best-effort"] as const;
export type Priority = (typeof PRIORITIES)[number];

const RANK: Readonly<Record<string, number>> = Object.fromEntries(
  PRIORITIES.map((p, i) => [p, PRIORITIES.length - 1 - i]),
);

/** Larger is stronger: critical = 4 … best-effort = 0 (a table lookup: it sits in the hot loops). */
export function priorityRank(p: Priority): number {
  return RANK[p] ?? -1;
}

export type Millis = number;

/** A GPU flavour. `computeCapability` is "major.minor" as the node labels give it. */
export interface Pool {
  readonly name: string;
  readonly product: string;
  readonly computeCapability: string;
  readonly gpusPerNode: number;
  /** GPU memory in MiB, from `nvidia.com/gpu.memory`. */
  readonly gpuMemoryMiB?: number;
  /** CPU (millicores) and memory (MiB) that come with each GPU, so admitted pods are not left Pending. */
  readonly cpuMilliPerGpu?: number;
  readonly memoryMiBPerGpu?: number;
}

export interface GpuNode {
  readonly name: string;
  readonly pool: string;
  readonly gpus: number;
  /** false while the node is lost; its reservations are re-placed. */
  readonly up: boolean;
}

export interface Inventory {
  readonly pools: readonly Pool[];
  readonly nodes: readonly GpuNode[];
}

/** GPU ordinals held on one node. Ordinals are bookkeeping tokens, not physical indices. */
export interface NodeSlots {
  readonly node: string;
  readonly gpus: readonly number[];
}
export type Placement = readonly NodeSlots[];

export type ReservationState = "confirmed" | "active" | "completed" | "cancelled" | "displaced" | "released";

export interface Reservation {
  readonly id: string;
  readonly team: string;
  readonly pool: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  /** Half-open window [start, end). */
  readonly start: Millis;
  readonly end: Millis;
  readonly priority: Priority;
  readonly bookedAt: Millis;
  readonly state: ReservationState;
  readonly placement: Placement;
}

export type JobKind = "train" | "validate" | "external";
export type JobState = "queued" | "admitted" | "running" | "succeeded" | "failed" | "cancelled";
