// The shapes the UI reads from /api/v1 (docs/rules.md §4). Fields the server does not send yet are
// optional, and the UI shows them only when present.

export const PRIORITIES = ["critical", "high", "normal", "low", "best-effort"] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Me {
  name: string;
  role: "admin" | "member";
  team: string | null;
}

export interface Pool {
  name: string;
  product: string;
  computeCapability: string;
  nodes: number;
  gpusPerNode: number;
}

export interface Slots {
  node: string;
  gpus: number[];
}

export interface Alternative {
  pool: string;
  nodes: number;
  gpusPerNode: number;
  start: string;
  end: string;
}

/** Only the fields POST /reservations takes (suggestions and events carry more, which it refuses). */
export function windowOf(a: Alternative): Alternative {
  return { pool: a.pool, nodes: a.nodes, gpusPerNode: a.gpusPerNode, start: a.start, end: a.end };
}

export interface Reservation {
  id: string;
  team: string;
  pool: string;
  nodes: number;
  gpusPerNode: number;
  start: string;
  end: string;
  priority: Priority;
  state: "confirmed" | "active" | "completed" | "cancelled" | "displaced" | "released";
  kind?: "booking" | "maintenance";
  title: string;
  placement: Slots[];
  bookedAt?: string;
  bookedBy?: string | null;
  displaced?: string[];
  displacedBy?: string;
  reason?: string;
  /** Not sent yet: the nearest free window offered to a displaced booking. */
  alternative?: Alternative | null;
}

export interface Hold {
  reservation: string;
  team: string;
  priority: Priority;
  state: string;
  title: string;
  gpus: number[];
  start: string;
  end: string;
  kind?: string;
  /** Not sent yet: GPUs of the hold running its own jobs, and GPUs lent to others. */
  runningGpus?: number;
  lentGpus?: number;
}

export interface NodeOccupancy {
  node: string;
  gpus: number;
  up: boolean;
  holds: Hold[];
}

export interface Occupancy {
  pool: string;
  from: string;
  to: string;
  nodes: NodeOccupancy[];
}

export interface DryRun {
  placement: Slots[];
  displaces: string[];
  quotaLeft: Record<string, number | null>;
}

export interface FreeWindow {
  start: string;
  end: string;
  placement: Slots[];
}

export interface Job {
  id: string;
  kind: "train" | "validate" | "external";
  state: "queued" | "admitted" | "running" | "succeeded" | "failed" | "cancelled";
  team: string;
  pool: string;
  gpus: number;
  priority: Priority;
  attempts: number;
  reservation: string | null;
  submittedAt?: string;
  updatedAt?: string;
  source?: string;
  /** GPU-hours held over all of the job's runs so far. */
  gpuHours?: number;
  /** How many of its runs ended preempted. */
  preemptions?: number;
}

export interface Side {
  map5095: number;
  map50: number;
  apSmall: number;
  imagesPerSecond: number;
  peakMemoryMB: number;
}

export interface AbReport {
  images?: number;
  provider?: string;
  fp32?: Side;
  fp16?: Side;
  delta?: { map5095?: number; map50?: number; apSmall?: number; ci95?: [number, number] };
  passed?: boolean;
  reasons?: string[];
  fp16Arithmetic?: string;
}

export interface AbCheck {
  id: string;
  model: string;
  state?: string;
  pool?: string;
  passed?: boolean | null;
  report?: AbReport | null;
  reasons?: string[];
  unlocksFp16?: boolean;
  createdAt?: string;
}

export interface Model {
  id: string;
  name: string;
  version: string;
  team: string;
  state?: string;
  inference?: { precision?: string; batch_size?: number; use_tensorrt?: boolean } | null;
  servingPool?: string | null;
  createdAt?: string;
}

export interface BerthEvent {
  id: string;
  type: string;
  data: Record<string, unknown> & { at?: string };
}
