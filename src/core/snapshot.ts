// What one scheduling cycle reads (Snapshot) and returns (Decision). The service layer builds a
// Snapshot from the store, calls `plan`, persists every Decision in one transaction (docs/rules.md §2 invariant
// 4: intent before action), then acts on them (launch, signal, re-place) and confirms. Decisions are
// intents: each names the job or reservation it concerns and carries everything needed to act
// on it, so a restart can re-apply persisted intents idempotently.
import type { Inventory, Millis, Placement, Priority, Reservation } from "./types.ts";

/** A job as the core sees it. The core never reads a job's duration: real jobs do not know theirs. */
export interface JobView {
  readonly id: string;
  readonly team: string;
  readonly pool: string;
  readonly gpus: number;
  readonly priority: Priority;
  /** The reservation it was submitted on; null = opportunistic from the start. */
  readonly reservation: string | null;
  readonly submittedAt: Millis;
  /** How long it needs between a stop signal and its GPUs being free (checkpoint time). */
  readonly graceMs: number;
  readonly attempts: number;
  readonly state: "queued" | "running";
  /** Running only: where it runs. */
  readonly placement?: Placement;
  /** Running only: the reservation whose slots it runs on as owner; null when opportunistic. */
  readonly runsOn?: string | null;
  /** Running only: set once it has been told to stop; its GPUs stay taken until `stopAt`. */
  readonly signal?: JobSignal;
  /** Running only, reported by the executor: work a stop now would lose (for victim choice). */
  readonly workSinceCheckpointMs?: number;
}

/**
 * `cancelled`: a user cancelled the job; `failed`: its pods showed it can never succeed (OOMKilled,
 * image pull, unschedulable too long). Neither is ever requeued.
 */
export type SignalReason =
  | "priority"
  | "reclaim"
  | "window-end"
  | "node-lost"
  | "reservation-lost"
  | "cancelled"
  | "failed";

export interface JobSignal {
  readonly reason: SignalReason;
  readonly at: Millis;
  readonly stopAt: Millis;
  /** The job (priority) or reservation (reclaim) the GPUs are freed for. */
  readonly by?: string;
}

export interface Snapshot {
  readonly inventory: Inventory;
  /** All reservations that may matter now: confirmed, active, and recently ended ones. */
  readonly reservations: readonly Reservation[];
  /** Queued and running jobs; finished ones are not needed. */
  readonly jobs: readonly JobView[];
  /** Per node, GPUs held by pods Berth does not manage: taken for this cycle, by nobody it can stop. */
  readonly foreignGpus?: ReadonlyMap<string, number>;
}

export interface PlanConfig {
  /**
   * Most preemption searches one cycle runs (each scans a pool's nodes). Higher-priority jobs come
   * first, so a bound only delays the least urgent preemptions to the next cycle.
   */
  readonly maxPreemptionSearches: number;
  /**
   * Whether opportunistic work may preempt strictly weaker opportunistic work (default true). The
   * simulator's `fifo` policy turns it off; reclaims of lent GPUs are not affected.
   */
  readonly preemption?: boolean;
  /**
   * Whether idle slots of a reservation may be lent to opportunistic work (default true). Off, no
   * opportunistic job ever runs on slots a reservation holds now or later (Slurm-like advance
   * reservations: the simulator's `reserve-only` policy).
   */
  readonly lending?: boolean;
  /**
   * Order of the opportunistic queue: `fair` (docs/rules.md §2: priority, then the team with fewer GPUs
   * running, then submission, then id; the default), `priority` (priority, submission, id: Kueue's
   * strict priority), `submission` (submission, id: first come, first served).
   */
  readonly order?: "fair" | "priority" | "submission";
}

export const DEFAULT_PLAN_CONFIG: PlanConfig = Object.freeze({ maxPreemptionSearches: 512 });

export type Decision =
  /** A reservation's state follows the clock: confirmed → active at start, → completed at end. */
  | {
      readonly kind: "reservation-state";
      readonly reservation: string;
      readonly state: "active" | "completed";
    }
  /** A reservation on a lost node moves to new slots. */
  | {
      readonly kind: "replace";
      readonly reservation: string;
      readonly placement: Placement;
      readonly reason: "node-lost";
    }
  /** A reservation on a lost node that could not be re-placed loses its slots. */
  | { readonly kind: "displace"; readonly reservation: string; readonly reason: "node-lost" }
  /** A job that can never run as asked (larger than its reservation or than the pool). */
  | { readonly kind: "refuse-job"; readonly job: string; readonly reason: string }
  /**
   * Tell a running job to stop: now (SIGTERM / suspend), with its GPUs free at `stopAt`. The job is
   * then requeued (attempts + 1 for preemption) and resumes from its checkpoint.
   */
  | {
      readonly kind: "signal";
      readonly job: string;
      readonly reason: SignalReason;
      readonly stopAt: Millis;
      readonly by?: string;
    }
  /** Start a job on `placement`; `reservation` when on its own reservation's slots, `lentFrom` when borrowing. */
  | {
      readonly kind: "admit";
      readonly job: string;
      readonly placement: Placement;
      readonly reservation: string | null;
      readonly lentFrom: readonly string[];
    };

export interface PlanResult {
  /** In the order they were decided; act on them in this order. */
  readonly decisions: Decision[];
  /** The next instant the cycle must run again even if nothing happens (null: only on events). */
  readonly nextWakeAt: Millis | null;
}
