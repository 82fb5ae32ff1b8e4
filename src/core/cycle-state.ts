// The working state of one cycle: per node, which ordinals running jobs occupy, which of those are
// already signalled (free at their stop time), and which were promised earlier in this cycle. Built
// from the snapshot, mutated only inside `plan`, thrown away after it.
import { CapacityIndex, type NodeEntry } from "./capacity.ts";
import { maskOf } from "./gpu-mask.ts";
import type { JobView, Snapshot } from "./snapshot.ts";
import type { Millis, Reservation } from "./types.ts";

export interface RunningJob {
  readonly view: JobView;
  /** Ordinal mask per node. */
  readonly masks: ReadonlyMap<string, number>;
  /** Whether it runs on its reservation's slots (never preempted by opportunistic work). */
  readonly owner: boolean;
  signalled: boolean;
  /** When its GPUs free, once signalled. */
  stopAt: number;
}

export interface NodeState {
  readonly entry: NodeEntry;
  /** Ordinals used by running jobs, signalled ones included until they stop (invariant 2). */
  occupied: number;
  /** Ordinals of signalled jobs: taken until their stop time, then free. */
  pending: number;
  /** Ordinals promised in this cycle to a waiting owner or preemptor: nobody else takes them. */
  claimed: number;
  /** Ordinals promised in this cycle to a waiting owner job (lendable only until their need, less grace). */
  ownerClaimed: number;
  /** Per ordinal: from when an owner needs it (lending must end a grace before); +∞ when not needed. */
  readonly needFrom: number[];
  /** Ordinals held now or later by a reservation (lending them names that reservation). */
  readonly heldLater: number;
  readonly jobs: RunningJob[];
}

export class CycleState {
  readonly index: CapacityIndex;
  readonly nodes = new Map<string, NodeState>();
  readonly running = new Map<string, RunningJob>();
  readonly reservations = new Map<string, Reservation>();
  /** GPUs running per team (the admission order's second key). */
  readonly teamGpus = new Map<string, number>();

  constructor(snapshot: Snapshot, reservations: readonly Reservation[], now: Millis) {
    this.index = new CapacityIndex(snapshot.inventory, reservations);
    for (const r of reservations) this.reservations.set(r.id, r);
    for (const entry of this.index.nodes.values()) {
      let heldLater = 0;
      for (const h of entry.holds) if (h.end > now) heldLater |= h.mask;
      this.nodes.set(entry.node.name, {
        entry,
        occupied: 0,
        pending: 0,
        claimed: 0,
        ownerClaimed: 0,
        needFrom: new Array<number>(entry.node.gpus).fill(Number.POSITIVE_INFINITY),
        heldLater,
        jobs: [],
      });
    }
    for (const j of snapshot.jobs) {
      if (j.state !== "running" || !j.placement) continue;
      const masks = new Map<string, number>();
      for (const ns of j.placement) masks.set(ns.node, maskOf(ns.gpus));
      const rj: RunningJob = {
        view: j,
        masks,
        owner: Boolean(j.runsOn),
        signalled: Boolean(j.signal),
        stopAt: j.signal?.stopAt ?? Number.POSITIVE_INFINITY,
      };
      this.running.set(j.id, rj);
      this.teamGpus.set(j.team, (this.teamGpus.get(j.team) ?? 0) + j.gpus);
      for (const [node, mask] of masks) {
        const st = this.nodes.get(node);
        if (!st) continue;
        st.occupied |= mask;
        if (rj.signalled) st.pending |= mask;
        st.jobs.push(rj);
      }
    }
  }

  /** Record a new signal: the job's GPUs free at its stop time. */
  markSignalled(rj: RunningJob, stopAt: number): void {
    rj.signalled = true;
    rj.stopAt = stopAt;
    for (const [node, mask] of rj.masks) {
      const st = this.nodes.get(node);
      if (st) st.pending |= mask;
    }
  }

  /** A job stopped at this very instant: its GPUs are free for this cycle's admissions. */
  release(rj: RunningJob): void {
    for (const [node, mask] of rj.masks) {
      const st = this.nodes.get(node);
      if (!st) continue;
      st.occupied &= ~mask;
      st.pending &= ~mask;
      const i = st.jobs.indexOf(rj);
      if (i >= 0) st.jobs.splice(i, 1);
    }
    this.running.delete(rj.view.id);
    this.teamGpus.set(rj.view.team, (this.teamGpus.get(rj.view.team) ?? 0) - rj.view.gpus);
  }

  /** Record an admission: the ordinals become occupied. */
  markAdmitted(job: JobView, masks: ReadonlyMap<string, number>): void {
    for (const [node, mask] of masks) {
      const st = this.nodes.get(node);
      if (st) st.occupied |= mask;
    }
    this.teamGpus.set(job.team, (this.teamGpus.get(job.team) ?? 0) + job.gpus);
  }

  /** Reservations (holding, not yet ended) whose slots `mask` of `node` touches from now on. */
  lenders(node: string, mask: number, now: Millis): string[] {
    const st = this.nodes.get(node);
    if (!st || (st.heldLater & mask) === 0) return [];
    const out: string[] = [];
    for (const h of st.entry.holds) if (h.end > now && (h.mask & mask) !== 0) out.push(h.reservation.id);
    return out;
  }
}
