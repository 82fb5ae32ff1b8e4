// The working state of one cycle: per node, which ordinals running jobs occupy, which of those are
// already signalled (free at their stop time), and which were promised earlier in this cycle. Built
// from the snapshot, mutated only inside `plan`, thrown away after it.
import { CapacityIndex, type NodeEntry, type NodeTable } from "./capacity.ts";
import { highestBits, maskOf, popcount } from "./gpu-mask.ts";
import { compareNatural } from "./natural-order.ts";
import type { JobView, Snapshot } from "./snapshot.ts";
import { type Millis, priorityRank, type Reservation } from "./types.ts";

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
  needFrom: number[];
  /** The smallest of `needFrom` (+∞ when no owner waits here): the fast path of lendability. */
  needMin: number;
  /** Ordinals held now or later by a reservation (lending them names that reservation). */
  readonly heldLater: number;
  /** Ordinals opportunistic work may never take: `heldLater` when lending is off, else none. */
  readonly closed: number;
  jobs: RunningJob[];
  /** The stamp of the last preemption search that examined this node (preemption.ts). */
  examined: number;
}

/**
 * The `needFrom` of a node no owner waits on: shared until a first need is recorded (`needSlot`), so
 * a cycle allocates no per-node array for the many nodes nobody waits on.
 */
export const NEVER_NEEDED: readonly number[] = Object.freeze(
  new Array<number>(31).fill(Number.POSITIVE_INFINITY),
);

/** Record that an owner needs ordinal `o` of `st` from `at` (keeping the earliest need). */
export function needSlot(st: NodeState, o: number, at: Millis): void {
  if (st.needFrom === NEVER_NEEDED)
    st.needFrom = new Array<number>(st.entry.node.gpus).fill(Number.POSITIVE_INFINITY);
  if (st.needFrom[o]! > at) st.needFrom[o] = at;
  if (at < st.needMin) st.needMin = at;
}

/** The jobs of an idle node: one frozen empty list shared until a first job replaces it. */
const NO_JOBS: RunningJob[] = Object.freeze([]) as unknown as RunningJob[];

export class CycleState {
  readonly index: CapacityIndex;
  readonly nodes: NodeTable<NodeState>;
  readonly running = new Map<string, RunningJob>();
  readonly reservations = new Map<string, Reservation>();
  /** GPUs running per team (the admission order's second key). */
  readonly teamGpus = new Map<string, number>();
  /**
   * Per pool, GPUs of unsignalled opportunistic jobs by priority rank: a preemption search is only
   * worth running when weaker work exists (kept up to date as victims are signalled).
   */
  readonly preemptible = new Map<string, number[]>();
  /** Per pool, GPUs on up nodes neither occupied nor promised: when 0, nothing more starts there. */
  readonly freeGpus = new Map<string, number>();
  /** Per pool, GPUs of signalled jobs not yet promised to anyone (a waiting job may claim them). */
  readonly pendingFree = new Map<string, number>();

  /** `lending` false: idle reserved slots are never lent (PlanConfig.lending). */
  constructor(snapshot: Snapshot, reservations: readonly Reservation[], now: Millis, lending = true) {
    this.index = new CapacityIndex(snapshot.inventory, reservations);
    for (let i = 0; i < reservations.length; i++)
      this.reservations.set(reservations[i]!.id, reservations[i]!);
    this.nodes = this.index.nodes.map((entry): NodeState => {
      let heldLater = 0;
      const holds = entry.holds;
      for (let i = 0; i < holds.length; i++) if (holds[i]!.end > now) heldLater |= holds[i]!.mask;
      return {
        entry,
        occupied: 0,
        pending: 0,
        claimed: 0,
        ownerClaimed: 0,
        needFrom: NEVER_NEEDED as number[],
        needMin: Number.POSITIVE_INFINITY,
        heldLater,
        closed: lending ? 0 : heldLater,
        jobs: NO_JOBS,
        examined: 0,
      };
    });
    // Indexed loops: the job list may be 100k long, and an iterator costs an object per step where
    // the loop is not optimised.
    const jobs = snapshot.jobs;
    for (let k = 0; k < jobs.length; k++) {
      const j = jobs[k]!;
      if (j.state !== "running" || !j.placement) continue;
      const masks = new Map<string, number>();
      const placement = j.placement;
      for (let i = 0; i < placement.length; i++) masks.set(placement[i]!.node, maskOf(placement[i]!.gpus));
      const rj: RunningJob = {
        view: j,
        masks,
        owner: Boolean(j.runsOn),
        signalled: Boolean(j.signal),
        stopAt: j.signal?.stopAt ?? Number.POSITIVE_INFINITY,
      };
      this.running.set(j.id, rj);
      this.teamGpus.set(j.team, (this.teamGpus.get(j.team) ?? 0) + j.gpus);
      for (let i = 0; i < placement.length; i++) {
        const st = this.nodes.get(placement[i]!.node);
        if (!st) continue;
        const mask = masks.get(placement[i]!.node)!;
        st.occupied |= mask;
        if (rj.signalled) st.pending |= mask;
        if (st.jobs === NO_JOBS) st.jobs = [rj];
        else st.jobs.push(rj);
      }
      if (!rj.owner && !rj.signalled) this.countPreemptible(rj, 1);
    }
    // GPUs pods Berth does not manage hold (docs/rules.md §5): taken, by no job, so no one is
    // placed there and no preemption can free them. The highest ordinals Berth's runs leave free
    // (ordinals are bookkeeping: which ones does not matter, only how many; bookings fill from 0).
    const foreign = snapshot.foreignGpus;
    if (foreign)
      for (const [node, gpus] of foreign) {
        const st = this.nodes.get(node);
        if (st) st.occupied |= highestBits(st.entry.full & ~st.occupied, gpus);
      }
    // Free GPUs summed per run of nodes of one pool (name order keeps a pool's nodes together),
    // so the per-pool count is written once per run, not once per node.
    const all = this.nodes.values();
    let runPool: string | null = null;
    let runFree = 0;
    for (let i = 0; i < all.length; i++) {
      const st = all[i]!;
      if (st.pending !== 0) this.addPending(st, st.pending);
      if (!st.entry.node.up) continue;
      if (st.entry.node.pool !== runPool) {
        if (runPool !== null) this.freeGpus.set(runPool, (this.freeGpus.get(runPool) ?? 0) + runFree);
        runPool = st.entry.node.pool;
        runFree = 0;
      }
      runFree += popcount(st.entry.full & ~st.occupied);
    }
    if (runPool !== null) this.freeGpus.set(runPool, (this.freeGpus.get(runPool) ?? 0) + runFree);
  }

  private countPreemptible(rj: RunningJob, sign: 1 | -1): void {
    let byRank = this.preemptible.get(rj.view.pool);
    if (!byRank) {
      byRank = [0, 0, 0, 0, 0];
      this.preemptible.set(rj.view.pool, byRank);
    }
    byRank[priorityRank(rj.view.priority)]! += sign * rj.view.gpus;
  }

  /** GPUs of unsignalled opportunistic work in `pool` weaker than `rank`. */
  preemptibleBelow(pool: string, rank: number): number {
    const byRank = this.preemptible.get(pool);
    let n = 0;
    if (byRank) for (let r = 0; r < rank; r++) n += byRank[r]!;
    return n;
  }

  /** Record a new signal: the job's GPUs free at its stop time. */
  markSignalled(rj: RunningJob, stopAt: number): void {
    if (!rj.owner && !rj.signalled) this.countPreemptible(rj, -1);
    rj.signalled = true;
    rj.stopAt = stopAt;
    for (const [node, mask] of rj.masks) {
      const st = this.nodes.get(node);
      if (!st) continue;
      this.addPending(st, mask & ~st.pending & ~st.claimed);
      st.pending |= mask;
    }
  }

  private addFree(st: NodeState, mask: number): void {
    if (!st.entry.node.up) return;
    const pool = st.entry.node.pool;
    this.freeGpus.set(pool, (this.freeGpus.get(pool) ?? 0) + popcount(mask));
  }

  private readonly pendingByPool = new Map<string, Set<string>>();

  private addPending(st: NodeState, mask: number): void {
    const pool = st.entry.node.pool;
    this.pendingFree.set(pool, (this.pendingFree.get(pool) ?? 0) + popcount(mask));
    if (mask === 0) return;
    let set = this.pendingByPool.get(pool);
    if (!set) {
      set = new Set();
      this.pendingByPool.set(pool, set);
    }
    set.add(st.entry.node.name);
  }

  /** Nodes of `pool` with GPUs of signalled jobs not yet promised to anyone, in a stable order. */
  pendingNodes(pool: string): string[] {
    const set = this.pendingByPool.get(pool);
    if (!set) return [];
    const out: string[] = [];
    for (const name of set) {
      const st = this.nodes.get(name)!;
      if ((st.pending & ~st.claimed) !== 0) out.push(name);
      else set.delete(name);
    }
    return out.sort(compareNatural);
  }

  /** Promise ordinals to a job that waits for them (a preemptor): nobody else takes them this cycle. */
  claim(node: string, mask: number): void {
    const st = this.nodes.get(node);
    if (!st) return;
    const pool = st.entry.node.pool;
    const taken = popcount(mask & st.pending & ~st.claimed);
    this.pendingFree.set(pool, (this.pendingFree.get(pool) ?? 0) - taken);
    this.freeGpus.set(pool, (this.freeGpus.get(pool) ?? 0) - popcount(mask & ~st.occupied & ~st.claimed));
    st.claimed |= mask;
  }

  /** A job stopped at this very instant: its GPUs are free for this cycle's admissions. */
  release(rj: RunningJob): void {
    if (!rj.owner && !rj.signalled) this.countPreemptible(rj, -1);
    for (const [node, mask] of rj.masks) {
      const st = this.nodes.get(node);
      if (!st) continue;
      this.addFree(st, mask & ~st.claimed);
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
      if (!st) continue;
      const pool = st.entry.node.pool;
      this.freeGpus.set(pool, (this.freeGpus.get(pool) ?? 0) - popcount(mask & ~st.occupied & ~st.claimed));
      st.occupied |= mask;
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
